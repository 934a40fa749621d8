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

/** The scan's own buffer is 16 MB; the heap needs little beyond it. */
const SCAN_HEAP_MB = 64;

/**
 * Counts a text table's records in a worker thread, so a multi-gigabyte scan never holds the
 * event loop. Rejects when the file cannot be read (the caller reports it as unavailable).
 */
export function scanRecordsInWorker(request: ScanRequest, onProgress?: (bytesScanned: number) => void): Promise<ScanOutcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./record-scan-worker.mjs', import.meta.url), {
      // Plain JavaScript: no need for the parent's loaders (tsx), which double a worker's start.
      execArgv: [],
      workerData: request,
      resourceLimits: { maxOldGenerationSizeMb: SCAN_HEAP_MB },
    });
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      finish();
    };
    worker.on('message', (message: unknown) => {
      if (!isMessage(message)) return;
      if ('progress' in message) onProgress?.(message.progress);
      else if ('outcome' in message) settle(() => resolve(message.outcome));
      else settle(() => reject(new Error(message.failure)));
    });
    worker.on('error', (cause) => settle(() => reject(cause)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the record scan stopped unexpectedly (exit code ${code})`))));
  });
}
