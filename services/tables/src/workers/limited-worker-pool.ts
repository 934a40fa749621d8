import { onTableReaderLimitsChange, tableReaderLimits } from '../reader-limits';
import { WorkerPool } from './worker-pool';

/**
 * A reader's worker pool sized by the table reader limits (workers, queue, per-requester cap,
 * heap), created on first use and replaced when the limits change (the old one is closed).
 * Returns the getter the reader calls for each task.
 */
export function limitedWorkerPool<Request, Reply>(script: URL, workerData?: () => unknown): () => WorkerPool<Request, Reply> {
  let pool: WorkerPool<Request, Reply> | null = null;
  onTableReaderLimitsChange(() => {
    const old = pool;
    pool = null;
    void old?.close();
  });
  return () => {
    if (pool) return pool;
    const limits = tableReaderLimits();
    pool = new WorkerPool<Request, Reply>({
      script,
      workerData: workerData?.(),
      resourceLimits: { maxOldGenerationSizeMb: limits.workerHeapMb },
      size: limits.decodeWorkers,
      maxQueued: limits.decodeQueue,
      perRequester: limits.decodesPerRequester,
    });
    return pool;
  };
}
