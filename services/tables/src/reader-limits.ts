/**
 * The limits every table read runs under, process-wide. `services/config` reads them from the
 * environment and the API sets them once at start (`configureTableReaders`); tests may lower
 * them. docs/reliability.md ("Hostile files") lists each with its setting and its test.
 */
export interface TableReaderLimits {
  /** Decodes (Parquet pages, HDF5 reads) running at once in this process, each in its own worker. */
  readonly decodeWorkers: number;
  /** Decodes waiting for a worker; past that a read answers TABLE_BUSY at once. */
  readonly decodeQueue: number;
  /** Decodes one requester (user) may have running or waiting; past that TABLE_TOO_MANY_READS. */
  readonly decodesPerRequester: number;
  /** JavaScript heap of one decode worker (V8 `resourceLimits`). */
  readonly workerHeapMb: number;
  /** WebAssembly memory one HDF5 worker may grow to (libhdf5's heap, chunk cache included). */
  readonly hdf5MemoryMb: number;
  /** An HDF5 worker that grew past this is replaced after its answer (WASM memory never shrinks). */
  readonly hdf5RecycleMb: number;
  /** Largest uncompressed HDF5 chunk a file may declare. */
  readonly hdf5MaxChunkBytes: number;
  /** Largest number of bytes one window of rows may need (HDF5, FITS), all columns together. */
  readonly maxWindowBytes: number;
  /** FITS header bytes parsed, all HDUs together, looking for the table; past that the file is refused. */
  readonly fitsMaxHeaderBytes: number;
}

export const DEFAULT_TABLE_READER_LIMITS: TableReaderLimits = {
  decodeWorkers: 2,
  decodeQueue: 16,
  decodesPerRequester: 2,
  workerHeapMb: 512,
  hdf5MemoryMb: 512,
  hdf5RecycleMb: 256,
  hdf5MaxChunkBytes: 16 * 1024 ** 2,
  maxWindowBytes: 64 * 1024 ** 2,
  // The per-header cap the reader always had (2800 blocks of 2880 bytes), now for the whole walk.
  fitsMaxHeaderBytes: 2800 * 2880,
};

let current: TableReaderLimits = DEFAULT_TABLE_READER_LIMITS;
const listeners: (() => void)[] = [];

export const tableReaderLimits = (): TableReaderLimits => current;

/** Sets the limits (unset ones keep their defaults); worker pools restart with the new values. */
export function configureTableReaders(limits: Partial<TableReaderLimits>): void {
  current = { ...DEFAULT_TABLE_READER_LIMITS, ...limits };
  for (const listener of listeners) listener();
}

/** Pools call this to be rebuilt when the limits change. */
export function onTableReaderLimitsChange(listener: () => void): void {
  listeners.push(listener);
}
