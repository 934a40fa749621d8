import { rm } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { ok, type Result } from '@pz/contracts';
import { describeCause, pipelineFailure, type PipelineError } from '../errors';
import type { Hdf5ConversionReply, Hdf5ConversionRequest } from './parquet-to-hdf5-worker';

const isReply = (value: unknown): value is Hdf5ConversionReply => typeof value === 'object' && value !== null && ('rows' in value || 'failure' in value);

function convertInWorker(request: Hdf5ConversionRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./parquet-to-hdf5-worker.mjs', import.meta.url), { execArgv: [], workerData: request });
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      finish();
    };
    worker.on('message', (message: unknown) => {
      if (!isReply(message)) return;
      if ('rows' in message) settle(() => resolve(message.rows));
      else settle(() => reject(new Error(message.failure)));
    });
    worker.on('error', (cause) => settle(() => reject(cause)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the HDF5 writer stopped unexpectedly (exit code ${code})`))));
  });
}

/**
 * Rewrites a pipeline's Parquet output as HDF5: a group of column datasets at the root (see
 * hdf5-column-writer.ts), one row group at a time, in a worker thread that loads libhdf5 for
 * this file only and leaves the event loop free.
 */
export async function parquetToHdf5(parquetPath: string, hdf5Path: string, units: ReadonlyMap<string, string> = new Map()): Promise<Result<{ rows: number }, PipelineError>> {
  try {
    const rows = await convertInWorker({ parquetPath, hdf5Path, units: [...units] });
    return ok({ rows });
  } catch (cause) {
    await rm(hdf5Path, { force: true });
    return pipelineFailure('OUTPUT_UNWRITABLE', `cannot write ${hdf5Path}: ${describeCause(cause)}`);
  }
}
