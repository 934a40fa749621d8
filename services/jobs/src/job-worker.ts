import type { ClaimedJob, JobJson, JobQueue } from './job-queue';

/** What a handler may do while it runs: report progress (which also renews the lease). */
export interface JobContext {
  progress(done: number, total: number | null): void;
}

/** A handler's verdict: a result, or a failure that is (`retry`) or is not worth another attempt. */
export type JobOutcome = { readonly result: JobJson } | { readonly error: string; readonly retry: boolean };

export type JobHandler = (job: ClaimedJob, context: JobContext) => Promise<JobOutcome>;

export interface JobWorkerOptions {
  readonly queue: JobQueue;
  /** Identifies this process in leases (host:pid is a good choice). */
  readonly owner: string;
  readonly handlers: Readonly<Record<string, JobHandler>>;
  /** A claimed job is taken back by another process this long after its last heartbeat. */
  readonly leaseMs?: number;
  /** How often an idle worker looks for work (`wake()` looks at once). */
  readonly pollMs?: number;
  /** Jobs run at once by this worker. */
  readonly concurrency?: number;
  readonly onError?: (error: unknown, job: ClaimedJob | null) => void;
}

export interface JobWorker {
  /** Looks for work now (after an enqueue in this process). */
  wake(): void;
  /** Stops claiming; resolves once the running jobs have finished. */
  stop(): Promise<void>;
}

const DEFAULT_LEASE_MS = 30_000;

/**
 * Claims and runs jobs of the handled kinds. Progress is written at most every `leaseMs / 3`
 * (which renews the lease), and at once when the job ends; a job that throws is failed for this
 * attempt and retried while attempts remain.
 */
export function startJobWorker(options: JobWorkerOptions): JobWorker {
  const { queue, owner, handlers } = options;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const pollMs = options.pollMs ?? 1000;
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const kinds = Object.keys(handlers);
  const onError = options.onError ?? (() => {});
  const running = new Set<Promise<void>>();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let looking = false;

  const run = async (job: ClaimedJob): Promise<void> => {
    const handler = handlers[job.kind];
    let latest: { done: number; total: number | null } | null = null;
    let written = Date.now();
    let writing: Promise<unknown> = Promise.resolve();
    const renew = () => {
      written = Date.now();
      const progress = latest ?? undefined;
      writing = writing.then(() => queue.heartbeat(job, leaseMs, progress)).catch((error: unknown) => onError(error, job));
    };
    // The lease is renewed even when the handler reports no progress for a while.
    const keepAlive = setInterval(renew, Math.max(50, Math.floor(leaseMs / 3)));
    try {
      if (!handler) throw new Error(`no handler for jobs of kind ${job.kind}`);
      const outcome = await handler(job, {
        progress(done, total) {
          latest = { done, total };
          if (Date.now() - written >= leaseMs / 3) renew();
        },
      });
      clearInterval(keepAlive);
      await writing;
      if (latest) await queue.heartbeat(job, leaseMs, latest);
      if ('result' in outcome) await queue.complete(job, outcome.result);
      else await queue.fail(job, outcome.error, { retry: outcome.retry });
    } catch (error) {
      clearInterval(keepAlive);
      await writing;
      onError(error, job);
      await queue.fail(job, error instanceof Error ? error.message : String(error)).catch((cause: unknown) => onError(cause, job));
    }
  };

  const look = async (): Promise<void> => {
    if (looking || stopped) return;
    looking = true;
    try {
      while (!stopped && running.size < concurrency) {
        const job = await queue.claim(kinds, owner, leaseMs);
        if (!job) break;
        const task: Promise<void> = run(job).finally(() => {
          running.delete(task);
          void look();
        });
        running.add(task);
      }
    } catch (error) {
      onError(error, null);
    } finally {
      looking = false;
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      void look().finally(schedule);
    }, pollMs);
    timer.unref();
  };
  void look();
  schedule();

  return {
    wake: () => void look(),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await Promise.all(running);
    },
  };
}
