import { Worker } from 'node:worker_threads';
import type { FileMetaData } from 'hyparquet';
import { err, ok, type Result } from '@pz/contracts';
import { tableError, type TableError } from '../errors';
import type { ReadMeter } from '../types';

export interface DecodeRowsRequest {
  readonly filePath: string;
  readonly metadata: FileMetaData;
  readonly rowStart: number;
  readonly rowEnd: number;
  readonly columns: readonly string[];
}

type WorkerReply =
  | { readonly ok: true; readonly rows: Record<string, unknown>[]; readonly bytesRead: number; readonly reads: number }
  | { readonly ok: false; readonly message: string; readonly bytesRead: number; readonly reads: number };

/** Decoding the pages of a preview takes milliseconds; far longer means hostile data. */
export const DEFAULT_DECODE_TIMEOUT_MS = 30_000;
/** A corrupt run length can make a decoder fill an array with billions of entries. */
const DECODE_HEAP_MB = 512;

const isReply = (value: unknown): value is WorkerReply => typeof value === 'object' && value !== null && 'ok' in value;

/**
 * Runs hyparquet's row decoding in a worker thread. Corrupt pages can send its decoders into
 * loops that are bounded only by 32-bit counts (minutes of CPU, gigabytes of memory); in a
 * worker, a time and heap limit turn that into an error instead of a hung server.
 */
export function decodeRowsInWorker(
  request: DecodeRowsRequest,
  meter: ReadMeter | undefined,
  timeoutMs = DEFAULT_DECODE_TIMEOUT_MS,
): Promise<Result<Record<string, unknown>[], TableError>> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./decode-rows-worker.mjs', import.meta.url), {
      // Plain JavaScript: no need for the parent's loaders (tsx), which double a worker's start.
      execArgv: [],
      workerData: request,
      resourceLimits: { maxOldGenerationSizeMb: DECODE_HEAP_MB },
    });
    let settled = false;
    const settle = (result: Result<Record<string, unknown>[], TableError>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    };
    const timer = setTimeout(
      () => settle(err(tableError('TABLE_UNREADABLE', `The Parquet pages took more than ${timeoutMs / 1000} s to decode: the data looks corrupt.`))),
      timeoutMs,
    );
    worker.on('message', (reply: unknown) => {
      if (!isReply(reply)) return;
      if (meter) {
        meter.bytesRead += reply.bytesRead;
        meter.reads += reply.reads;
      }
      settle(reply.ok ? ok(reply.rows) : err(tableError('TABLE_UNREADABLE', `The Parquet data pages could not be read: ${reply.message}`)));
    });
    worker.on('error', (cause) => {
      const outOfMemory = 'code' in cause && cause.code === 'ERR_WORKER_OUT_OF_MEMORY';
      const reason = outOfMemory ? 'decoding them needed more memory than any real page does, so the data looks corrupt' : cause.message;
      settle(err(tableError('TABLE_UNREADABLE', `The Parquet data pages could not be read: ${reason}.`)));
    });
    worker.on('exit', (code) => settle(err(tableError('TABLE_UNREADABLE', `The Parquet decoder stopped unexpectedly (exit code ${code}).`))));
  });
}
