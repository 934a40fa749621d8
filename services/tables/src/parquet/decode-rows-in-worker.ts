import type { FileMetaData } from 'hyparquet';
import { err, ok, type Result } from '@pz/contracts';
import { tableError, type TableError } from '../errors';
import { tableReaderLimits } from '../reader-limits';
import type { ReadMeter } from '../types';
import { limitedWorkerPool } from '../workers/limited-worker-pool';

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

// A corrupt run length can make a decoder fill an array with billions of entries: the pool's heap limit stops it.
const decodePool = limitedWorkerPool<DecodeRowsRequest, WorkerReply>(new URL('./decode-rows-worker.mjs', import.meta.url));

/**
 * Runs hyparquet's row decoding in a pooled worker thread. Corrupt pages can send its decoders
 * into loops that are bounded only by 32-bit counts (minutes of CPU, gigabytes of memory); in a
 * worker, a time and heap limit turn that into an error instead of a hung server, and the pool
 * bounds how many decodes run at once, in the process and per requester.
 */
export async function decodeRowsInWorker(
  request: DecodeRowsRequest,
  meter: ReadMeter | undefined,
  timeoutMs = DEFAULT_DECODE_TIMEOUT_MS,
  requester: string | null = null,
): Promise<Result<Record<string, unknown>[], TableError>> {
  const outcome = await decodePool().run(request, timeoutMs, requester);
  switch (outcome.kind) {
    case 'done': {
      const reply = outcome.reply;
      if (meter) {
        meter.bytesRead += reply.bytesRead;
        meter.reads += reply.reads;
      }
      return reply.ok ? ok(reply.rows) : err(tableError('TABLE_UNREADABLE', `The Parquet data pages could not be read: ${reply.message}`));
    }
    case 'timeout':
      return err(tableError('TABLE_UNREADABLE', `The Parquet pages took more than ${outcome.ms / 1000} s to decode: the data looks corrupt.`));
    case 'out-of-memory':
      return err(tableError('TABLE_UNREADABLE', 'The Parquet data pages could not be read: decoding them needed more memory than any real page does, so the data looks corrupt.'));
    case 'crashed':
      return err(tableError('TABLE_UNREADABLE', `The Parquet decoder stopped unexpectedly (${outcome.message}).`));
    case 'busy':
      return outcome.reason === 'requester'
        ? err(tableError('TABLE_TOO_MANY_READS', `You already have ${tableReaderLimits().decodesPerRequester} table reads running: wait for one to finish.`))
        : err(tableError('TABLE_BUSY', 'Every table reader of the server is busy: try again in a few seconds.'));
  }
}
