import { hostname } from 'node:os';
import { openJobQueue, startJobWorker, type ClaimedJob, type Job, type JobOutcome, type JobQueue, type JobWorker } from '@pz/jobs';
import type { Caller } from '@pz/domain';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps } from '../deps';
import { findProductRow } from '../queries/product-rows';
import { findMainFile } from './main-file';
import { runRegistry } from './registry-run';

export const REGISTRY_JOB = 'registry';

/** What a queued registry needs: the product, the main file it was asked for, who asked and how. */
interface RegistryJobPayload {
  readonly productId: number;
  readonly fileId: number;
  readonly caller: Caller;
  readonly context: Omit<CommandContext, 'expectedRevision'>;
}

const isPayload = (value: unknown): value is RegistryJobPayload =>
  typeof value === 'object' && value !== null && 'productId' in value && 'fileId' in value && 'caller' in value && 'context' in value;

export const registrySubject = (productId: number): string => `product:${productId}`;

export interface RegistryJobs {
  readonly queue: JobQueue;
  /** Queues registry of a product's main file (or joins the one queued or running for it). */
  enqueue(payload: RegistryJobPayload): Promise<Job>;
  latest(productId: number): Promise<Job | null>;
  stop(): Promise<void>;
}

/** A product whose registry is being retried too often is failing for a reason another attempt will not fix. */
const MAX_ATTEMPTS = 3;
/** A registry scanning a multi-gigabyte file reports progress every 16 MB, far within this lease. */
const LEASE_MS = 60_000;

async function handleRegistryJob(deps: AppDeps, job: ClaimedJob, progress: (done: number, total: number | null) => void): Promise<JobOutcome> {
  if (!isPayload(job.payload)) return { error: 'the job does not describe a registry', retry: false };
  const { productId, fileId, caller, context } = job.payload;
  const [row, file] = await Promise.all([findProductRow(deps.catalogue, productId), findMainFile(deps.catalogue, productId)]);
  if (!row || row.status === 2) return { error: `product ${productId} no longer exists`, retry: false };
  if (!file || file.id !== fileId) return { error: 'the main file was replaced while registry waited; run registry again', retry: false };
  // Each attempt is its own command: a retry after a crash must not be taken for the first one's echo.
  const attemptContext: CommandContext = { ...context, commandId: `${context.commandId}:${job.attempts}` };
  const run = await runRegistry(deps, { id: row.id, productTypeName: row.product_type_name }, file, caller, attemptContext, {
    onProgress: (done, total) => progress(done, total),
  });
  if ('registryProblem' in run) return { error: run.registryProblem.message, retry: run.registryProblem.code === 'STORAGE_UNAVAILABLE' };
  if ('commandProblem' in run) return { error: run.commandProblem.message, retry: false };
  const outcome = run.recorded;
  return {
    result:
      outcome.kind === 'registered'
        ? { outcome: 'registered', format: outcome.contents.format, n_rows: outcome.contents.nRows }
        : { outcome: 'failed', code: outcome.code, reason: outcome.reason },
  };
}

/**
 * Registry of large main files as background jobs on the shared PostgreSQL queue (`@pz/jobs`):
 * any app process sharing the database may run one, and one whose process died is taken up by
 * another when its lease runs out.
 */
export async function startRegistryJobs(deps: AppDeps, log: { error(details: object, message: string): void }): Promise<RegistryJobs> {
  const queue = await openJobQueue(deps.database);
  const worker: JobWorker = startJobWorker({
    queue,
    owner: `${hostname()}:${process.pid}`,
    leaseMs: LEASE_MS,
    handlers: { [REGISTRY_JOB]: (job, context) => handleRegistryJob(deps, job, context.progress) },
    onError: (error, job) => log.error({ jobId: job?.id, err: error }, 'registry job'),
  });
  return {
    queue,
    async enqueue(payload) {
      const job = await queue.enqueue(REGISTRY_JOB, registrySubject(payload.productId), JSON.parse(JSON.stringify(payload)), { maxAttempts: MAX_ATTEMPTS });
      worker.wake();
      return job;
    },
    latest: (productId) => queue.latest(REGISTRY_JOB, registrySubject(productId)),
    stop: () => worker.stop(),
  };
}
