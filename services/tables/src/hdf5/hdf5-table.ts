import { err, type Result } from '@pz/contracts';
import { tableError, type TableError } from '../errors';
import { tableReaderLimits } from '../reader-limits';
import type { ReadContext, RowWindow, TableSlice } from '../types';
import { limitedWorkerPool } from '../workers/limited-worker-pool';
import type { PoolOutcome, WorkerPool } from '../workers/worker-pool';
import type { Hdf5ReadReply, Hdf5ReadRequest } from './hdf5-worker';
import { DEFAULT_DECODE_TIMEOUT_MS } from '../parquet/decode-rows-in-worker';

const hdf5Pool = limitedWorkerPool<Hdf5ReadRequest, Hdf5ReadReply>(new URL('./hdf5-worker-entry.mjs', import.meta.url), () => ({
  hdf5MemoryMb: tableReaderLimits().hdf5MemoryMb,
}));

/** The HDF5 worker pool, for tests that count workers or stop them. */
export const hdf5PoolForTests = (): WorkerPool<Hdf5ReadRequest, Hdf5ReadReply> => hdf5Pool();

/** Says, for an HDF5 read that did not finish in its worker, why, as a table error. */
export function hdf5OutcomeFailure(outcome: Exclude<PoolOutcome<Hdf5ReadReply>, { kind: 'done' }>): Result<never, TableError> {
  const limits = tableReaderLimits();
  switch (outcome.kind) {
    case 'timeout':
      return err(tableError('TABLE_LIMIT_EXCEEDED', `Reading the HDF5 file took more than ${outcome.ms / 1000} s, the limit for one read: the file looks hostile or corrupt.`));
    case 'out-of-memory':
      return err(tableError('TABLE_LIMIT_EXCEEDED', `Reading the HDF5 file needed more than the ${limits.workerHeapMb} MB of memory allowed for one read.`));
    case 'crashed':
      return err(tableError('TABLE_UNREADABLE', `The HDF5 reader stopped on this file: ${outcome.message}.`));
    case 'busy':
      return outcome.reason === 'requester'
        ? err(tableError('TABLE_TOO_MANY_READS', `You already have ${limits.decodesPerRequester} table reads running: wait for one to finish.`))
        : err(tableError('TABLE_BUSY', 'Every table reader of the server is busy: try again in a few seconds.'));
  }
}

/**
 * Reads a table from an HDF5 file in a worker thread (hdf5-worker.ts), under a time limit, a
 * JavaScript heap limit and a WebAssembly memory limit; libhdf5 there sees only this file's
 * bytes. The event loop only waits.
 */
export async function readHdf5Table(filePath: string, window: RowWindow, context: ReadContext): Promise<Result<TableSlice, TableError>> {
  const limits = tableReaderLimits();
  const outcome = await hdf5Pool().run(
    {
      filePath,
      window,
      limits: { maxChunkBytes: limits.hdf5MaxChunkBytes, maxWindowBytes: limits.maxWindowBytes },
      recycleBytes: limits.hdf5RecycleMb * 1024 ** 2,
    },
    context.decodeTimeoutMs ?? DEFAULT_DECODE_TIMEOUT_MS,
    context.requester ?? null,
  );
  return outcome.kind === 'done' ? outcome.reply.result : hdf5OutcomeFailure(outcome);
}
