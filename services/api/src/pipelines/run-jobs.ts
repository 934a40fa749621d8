import { hostname } from 'node:os';
import { openJobQueue, startJobWorker, type ClaimedJob, type Job, type JobOutcome, type JobQueue, type JobWorker } from '@pz/jobs';
import { isFinished } from '@pz/domain';
import type { AppDeps } from '../deps';
import { executeRun, loadRun, recordFailure } from './execute-run';
import { recoverInterruptedRequests } from './interrupted-requests';

export const PIPELINE_JOB = 'pipeline-run';
export const runSubject = (processId: number): string => `process:${processId}`;

const processIdOf = (payload: unknown): number | null =>
  typeof payload === 'object' && payload !== null && 'processId' in payload && typeof payload.processId === 'number' ? payload.processId : null;

export interface PipelineJobs {
  readonly queue: JobQueue;
  enqueue(processId: number): Promise<Job>;
  latest(processId: number): Promise<Job | null>;
  /**
   * A run whose job gave up (its worker died on the last attempt: the queue marked it failed when
   * the lease ran out) is recorded failed, with its output product. Idempotent.
   */
  reconcile(processId: number): Promise<void>;
  stop(): Promise<void>;
}

async function handle(deps: AppDeps, worker: string, job: ClaimedJob, progress: (done: number, total: number | null) => void): Promise<JobOutcome> {
  const processId = processIdOf(job.payload);
  if (processId === null) return { error: 'the job names no process', retry: false };
  try {
    const verdict = await executeRun(deps, processId, { worker, attempt: job.attempts, heartbeat: (p) => progress(p.rowsRead, null) });
    if (verdict.kind === 'failed') {
      await recordFailure(deps, processId, verdict.code, verdict.reason);
      return { result: { outcome: 'failed', code: verdict.code, reason: verdict.reason } };
    }
    return { result: verdict.kind === 'succeeded' ? { outcome: 'succeeded' } : { outcome: 'skipped', why: verdict.why } };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // A fault of ours (storage, database): tried again while attempts remain, else the run fails.
    if (job.attempts < job.maxAttempts) throw error;
    await recordFailure(deps, processId, 'RUN_ERROR', reason);
    return { error: reason, retry: false };
  }
}

/**
 * Pipeline runs as jobs on the shared PostgreSQL queue (`@pz/jobs`, the one background registry
 * uses): `PIPELINE_WORKERS` of them run in this process (0: none; `npm run worker` processes run
 * them). A worker that dies leaves its lease to run out; another worker then takes the run up
 * again (attempt 2), up to `PIPELINE_ATTEMPTS`, after which the run is recorded failed.
 */
export async function startPipelineJobs(deps: AppDeps, log: { error(details: object, message: string): void }): Promise<PipelineJobs> {
  const queue = await openJobQueue(deps.database);
  const owner = `${hostname()}:${process.pid}`;
  const concurrency = deps.config.pipelineWorkers;
  const worker: JobWorker | null = concurrency > 0
    ? startJobWorker({
      queue,
      owner,
      concurrency,
      leaseMs: deps.config.pipelineLeaseMs,
      pollMs: Math.min(1000, Math.max(50, Math.floor(deps.config.pipelineLeaseMs / 4))),
      handlers: { [PIPELINE_JOB]: (job, context) => handle(deps, owner, job, context.progress) },
      onError: (error, job) => log.error({ jobId: job?.id, err: error }, 'pipeline job'),
    })
    : null;

  const reconcile = async (processId: number) => {
    const state = await loadRun(deps, processId);
    if (!state.exists || isFinished(state.status)) return;
    const job = await queue.latest(PIPELINE_JOB, runSubject(processId));
    if (job?.state === 'failed') await recordFailure(deps, processId, 'WORKER_LOST', job.error ?? 'the worker running it stopped');
  };
  const enqueue = async (processId: number) => {
    const job = await queue.enqueue(PIPELINE_JOB, runSubject(processId), { processId }, { maxAttempts: deps.config.pipelineAttempts });
    worker?.wake();
    return job;
  };
  const latest = (processId: number) => queue.latest(PIPELINE_JOB, runSubject(processId));
  // Runs nobody asks about are reconciled too: every lease period, the runs of the jobs that gave up
  // lately, and the requests a crash interrupted (registered more than two lease periods ago).
  const sweeper = worker
    ? setInterval(() => {
      void (async () => {
        const failed = await queue.recentlyFailed(PIPELINE_JOB, new Date(Date.now() - 10 * deps.config.pipelineLeaseMs));
        for (const job of failed) {
          const processId = processIdOf(job.payload);
          if (processId !== null) await reconcile(processId);
        }
        await recoverInterruptedRequests(deps, { enqueue, latest }, new Date(Date.now() - 2 * deps.config.pipelineLeaseMs));
      })().catch((error: unknown) => log.error({ err: error }, 'pipeline reconcile'));
    }, deps.config.pipelineLeaseMs)
    : null;
  sweeper?.unref();

  return {
    queue,
    enqueue,
    latest,
    reconcile,
    async stop() {
      if (sweeper) clearInterval(sweeper);
      await worker?.stop();
    },
  };
}
