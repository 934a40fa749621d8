import { parentPort } from 'node:worker_threads';
import { workerData } from 'node:worker_threads';
import type { Result } from '@pz/contracts';
import { tableFailure, type TableError } from '../errors';
import type { RowWindow, TableSlice } from '../types';
import type { Hdf5Limits } from './hdf5-guards';
import { loadH5wasm } from './h5wasm-module';
import { readHdf5Blob } from './read-hdf5-blob';

/** One HDF5 read asked of a worker (see hdf5-table.ts). */
export interface Hdf5ReadRequest {
  readonly filePath: string;
  readonly window: RowWindow;
  readonly limits: Hdf5Limits;
  /** Past this much WebAssembly memory after the read, the worker asks to be replaced. */
  readonly recycleBytes: number;
}

export interface Hdf5ReadReply {
  readonly result: Result<TableSlice, TableError>;
  /** libhdf5's WebAssembly memory after the read: it never shrinks. */
  readonly wasmBytes: number;
}

async function wasmBytes(): Promise<number> {
  const module = (await (await loadH5wasm()).ready) as unknown as { HEAPU8?: Uint8Array };
  return module.HEAPU8?.byteLength ?? 0;
}

/** Set by hdf5-worker-entry.mjs when libhdf5 asked for memory past the cap. */
const limitFlag = globalThis as { pzWasmLimitReached?: boolean };

/** A read that failed after libhdf5 was refused memory failed because of the cap, whatever it says. */
function withMemoryCause(result: Result<TableSlice, TableError>): Result<TableSlice, TableError> {
  if (result.ok || !limitFlag.pzWasmLimitReached) return result;
  const mb = (workerData as { hdf5MemoryMb?: number } | null)?.hdf5MemoryMb ?? 0;
  return tableFailure('TABLE_LIMIT_EXCEEDED', `Reading the HDF5 table needed more than the ${mb} MB of memory allowed for one read (${result.error.message}).`);
}

const port = parentPort;
if (port) {
  // libhdf5 loads before the first task's clock starts (see WorkerPool's READY_MESSAGE).
  await loadH5wasm();
  port.postMessage({ ready: true });
  port.on('message', (message: { id: number; request: Hdf5ReadRequest }) => {
    const { id, request } = message;
    void (async () => {
      limitFlag.pzWasmLimitReached = false;
      const result = withMemoryCause(await readHdf5Blob(request.filePath, request.window, request.limits));
      const bytes = await wasmBytes();
      const reply: Hdf5ReadReply = { result, wasmBytes: bytes };
      port.postMessage({ id, reply, recycle: bytes > request.recycleBytes });
    })();
  });
}
