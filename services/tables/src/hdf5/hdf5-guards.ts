import type { Dataset } from 'h5wasm';
import type { TableErrorCode } from '../errors';

/** The limits one HDF5 read runs under (set from `services/config`, see reader-limits.ts). */
export interface Hdf5Limits {
  /** Largest uncompressed chunk any dataset of the file may declare. */
  readonly maxChunkBytes: number;
  /** Largest number of bytes one window of rows may need, all columns together. */
  readonly maxWindowBytes: number;
}

/** A file refused before reading what it points at; the message names the object and why. */
export class RefusedHdf5 extends Error {
  constructor(
    readonly code: Extract<TableErrorCode, 'TABLE_EXTERNAL_REFERENCE' | 'TABLE_LIMIT_EXCEEDED'>,
    message: string,
  ) {
    super(message);
  }
}

const product = (values: readonly number[]): number => values.reduce((total, value) => total * value, 1);

/** h5wasm returns an ExternalLink object (never followed) for a link into another file. */
export function externalLinkTarget(child: unknown): string | null {
  if (typeof child !== 'object' || child === null) return null;
  const link = child as { type?: unknown; filename?: unknown; obj_path?: unknown };
  return link.type === 'ExternalLink' ? `${String(link.filename)}:${String(link.obj_path)}` : null;
}

export function refuseExternalLink(path: string, target: string): never {
  throw new RefusedHdf5(
    'TABLE_EXTERNAL_REFERENCE',
    `The HDF5 file links "${path}" to another file (${target}); external links are never followed here: store the table itself in the file.`,
  );
}

/**
 * Refuses a dataset whose data lives in other files (a virtual dataset) or whose chunks are so
 * large that reading one row would decompress them whole (a 161 KB file can hold one gzip chunk
 * of 80 MB). Only metadata is read here, never data.
 */
export function checkDataset(dataset: Dataset, limits: Hdf5Limits): void {
  const meta = dataset.metadata;
  const sources = meta.virtual_sources ?? [];
  if (sources.length > 0) {
    const first = sources[0];
    throw new RefusedHdf5(
      'TABLE_EXTERNAL_REFERENCE',
      `The HDF5 dataset "${dataset.path}" is a virtual dataset whose data lives in other files (${first?.file_name ?? '?'}:${first?.dset_name ?? '?'}); virtual datasets are not read here.`,
    );
  }
  if (meta.chunks) {
    const chunkBytes = product(meta.chunks) * meta.size;
    if (chunkBytes > limits.maxChunkBytes) {
      throw new RefusedHdf5(
        'TABLE_LIMIT_EXCEEDED',
        `The HDF5 dataset "${dataset.path}" is stored in chunks of ${chunkBytes} bytes each, more than the ${limits.maxChunkBytes} bytes this server decompresses for one read.`,
      );
    }
  }
}

/** Refuses a window whose rows, all datasets together, would need more than the limit. */
export function checkWindow(sources: readonly Dataset[], rows: number, limits: Hdf5Limits): void {
  const rowBytes = sources.reduce((total, dataset) => {
    const shape = dataset.shape ?? [];
    return total + dataset.metadata.size * product(shape.slice(1));
  }, 0);
  if (rowBytes * rows > limits.maxWindowBytes) {
    throw new RefusedHdf5(
      'TABLE_LIMIT_EXCEEDED',
      `Reading ${rows} rows of this HDF5 table needs ${rowBytes * rows} bytes, more than the ${limits.maxWindowBytes} bytes allowed per read: ask for fewer rows.`,
    );
  }
}
