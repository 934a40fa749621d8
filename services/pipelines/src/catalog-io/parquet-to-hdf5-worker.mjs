// Entry of the worker thread that writes a pipeline's HDF5 output (started by parquet-to-hdf5.ts).
// Plain JavaScript, run as is, that loads the TypeScript worker through tsx (as production does):
// libhdf5 (h5wasm, ~90 MB of heap) then lives only as long as the conversion.
import { tsImport } from 'tsx/esm/api';

await tsImport('./parquet-to-hdf5-worker.ts', import.meta.url);
