export { openJobQueue, type ClaimedJob, type EnqueueOptions, type Job, type JobJson, type JobQueue, type JobState } from './job-queue';
export { startJobWorker, type JobContext, type JobHandler, type JobOutcome, type JobWorker, type JobWorkerOptions } from './job-worker';
