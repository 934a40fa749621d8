// Entry of an HDF5 worker thread (started by hdf5-table.ts through the worker pool). Plain
// JavaScript, run as is: it caps WebAssembly memory before libhdf5 is loaded, then loads the
// TypeScript worker through tsx (as production does).
/* global WebAssembly */
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const PAGE = 65536;
const maxBytes = workerData.hdf5MemoryMb * 1024 * 1024;
const grow = WebAssembly.Memory.prototype.grow;
// Emscripten's heap resize catches this and answers "out of memory" to malloc: libhdf5 then
// fails the read with an error, instead of growing the process without bound.
WebAssembly.Memory.prototype.grow = function growWithinLimit(delta) {
  if (this.buffer.byteLength + delta * PAGE > maxBytes) {
    // hdf5-worker.ts reads this: libhdf5's own message ("filter returned failure") hides the cause.
    globalThis.pzWasmLimitReached = true;
    throw new RangeError(`WebAssembly memory limit (${workerData.hdf5MemoryMb} MB) reached`);
  }
  return grow.call(this, delta);
};

await tsImport('./hdf5-worker.ts', import.meta.url);
