import { Worker } from 'node:worker_threads';
import type { ScanDialect, ScanOutcome } from './record-scan.mjs';

export interface ScanRequest {
  readonly filePath: string;
  readonly dialect: ScanDialect;
  /** 1 when the first record is a header line. */
  readonly headerRecords: number;
}

type WorkerMessage = { readonly progress: number } | { readonly outcome: ScanOutcome } | { readonly failure: string };

const isMessage = (value: unknown): value is WorkerMessage =>
  typeof value === 'object' && value !== null && ('progress' in value || 'outcome' in value || 'failure' in value);

/** The scan's own buffer is 2 MB; the heap needs little beyond it. */
const SCAN_HEAP_MB = 64;
/**
 * Scan threads kept between scans. Starting one costs tens of milliseconds, a third of a 300 MB
 * scan, and a kept one has its scanning loop compiled already; more than one scanning at a time
 * start their own threads, which end after their scan.
 */
const MAX_IDLE_THREADS = 1;
const idleThreads: Worker[] = [];

function startScanThread(): Worker {
  const worker = new Worker(new URL('./record-scan-worker.mjs', import.meta.url), {
    // Plain JavaScript: no need for the parent's loaders (tsx), which double a worker's start.
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: SCAN_HEAP_MB },
  });
  // An idle thread that fails or ends is dropped; a busy one's scan is rejected (below).
  const drop = () => {
    const at = idleThreads.indexOf(worker);
    if (at >= 0) idleThreads.splice(at, 1);
  };
  worker.on('error', drop);
  worker.on('exit', drop);
  return worker;
}

/**
 * Counts a text table's records in a worker thread, so a multi-gigabyte scan never holds the
 * event loop. Rejects when the file cannot be read (the caller reports it as unavailable).
 */
export function scanRecordsInWorker(request: ScanRequest, onProgress?: (bytesScanned: number) => void): Promise<ScanOutcome> {
  return new Promise((resolve, reject) => {
    const worker = idleThreads.pop() ?? startScanThread();
    worker.ref();
    let settled = false;
    const settle = (reusable: boolean, finish: () => void) => {
      if (settled) return;
      settled = true;
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (reusable && idleThreads.length < MAX_IDLE_THREADS) {
        // An idle thread does not keep the process alive.
        worker.unref();
        idleThreads.push(worker);
      } else {
        void worker.terminate();
      }
      finish();
    };
    const onMessage = (message: unknown) => {
      if (!isMessage(message)) return;
      if ('progress' in message) onProgress?.(message.progress);
      else if ('outcome' in message) settle(true, () => resolve(message.outcome));
      else settle(true, () => reject(new Error(message.failure)));
    };
    const onError = (cause: Error) => settle(false, () => reject(cause));
    const onExit = (code: number) => settle(false, () => reject(new Error(`the record scan stopped unexpectedly (exit code ${code})`)));
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(request);
  });
}
