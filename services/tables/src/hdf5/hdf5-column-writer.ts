import type { Dataset, File } from 'h5wasm';
import type { H5wasm } from './h5wasm-module';

/**
 * Writes a table as a group of equal-length 1-D column datasets at the file's root — the layout
 * astropy and tables_io write and h5py reads as arrays — appending rows as they come: each
 * dataset is chunked and resizable, grown by each batch. The caller gives an h5wasm build that
 * writes to the real file system (`h5wasm/node`); the reading side of the server never does.
 */
export type Hdf5ColumnKind = 'uint8' | 'int32' | 'int64' | 'float32' | 'float64' | 'string';

export interface Hdf5ColumnSpec {
  readonly name: string;
  readonly kind: Hdf5ColumnKind;
  /** Text columns: the fixed width, in bytes, of every value (longer ones are cut). */
  readonly width?: number;
  /** Written as the dataset's `units` attribute. */
  readonly unit?: string;
}

export type Hdf5ColumnBatch = Float64Array | Float32Array | Int32Array | BigInt64Array | Uint8Array | readonly string[];

export interface Hdf5ColumnWriter {
  /** Appends one batch: a value array per column, in column order, all `count` long. */
  append(count: number, columns: readonly Hdf5ColumnBatch[]): void;
  close(): void;
}

const DTYPES: Readonly<Record<Exclude<Hdf5ColumnKind, 'string'>, string>> = { uint8: '<B', int32: '<i', int64: '<q', float32: '<f', float64: '<d' };
const ITEM_BYTES: Readonly<Record<Exclude<Hdf5ColumnKind, 'string'>, number>> = { uint8: 1, int32: 4, int64: 8, float32: 4, float64: 8 };
const EMPTY: Readonly<Record<Exclude<Hdf5ColumnKind, 'string'>, () => Hdf5ColumnBatch>> = {
  uint8: () => new Uint8Array(0),
  int32: () => new Int32Array(0),
  int64: () => new BigInt64Array(0),
  float32: () => new Float32Array(0),
  float64: () => new Float64Array(0),
};
/** About this many bytes per chunk: well under what the server's reader accepts (HDF5_MAX_CHUNK_BYTES). */
const CHUNK_BYTES = 1 << 20;
const MAX_CHUNK_ROWS = 65_536;

/** A dataset name is one path component: '/' would make groups. */
export const hdf5DatasetName = (name: string): string => (name.replace(/\//g, '_') || '_');

const itemBytes = (spec: Hdf5ColumnSpec): number => (spec.kind === 'string' ? Math.max(1, spec.width ?? 1) : ITEM_BYTES[spec.kind]);

/** Cuts a text to at most `width` UTF-8 bytes without splitting a character. */
function fitText(text: string, width: number): string {
  if (Buffer.byteLength(text, 'utf8') <= width) return text;
  let cut = text;
  while (Buffer.byteLength(cut, 'utf8') > width) cut = cut.slice(0, -1);
  return cut;
}

export function openHdf5ColumnWriter(h5: H5wasm, filePath: string, columns: readonly Hdf5ColumnSpec[], attributes: Readonly<Record<string, string>> = {}): Hdf5ColumnWriter {
  const file: File = new h5.File(filePath, 'w');
  let rows = 0;
  try {
    for (const [name, value] of Object.entries(attributes)) file.create_attribute(name, value);
    const datasets: Dataset[] = columns.map((spec) => {
      const chunkRows = Math.max(1, Math.min(MAX_CHUNK_ROWS, Math.floor(CHUNK_BYTES / itemBytes(spec))));
      const dataset = spec.kind === 'string'
        ? file.create_dataset({ name: hdf5DatasetName(spec.name), data: [], shape: [0], maxshape: [null], chunks: [chunkRows], dtype: `S${Math.max(1, spec.width ?? 1)}` })
        : file.create_dataset({ name: hdf5DatasetName(spec.name), data: EMPTY[spec.kind]() as Float64Array, shape: [0], maxshape: [null], chunks: [chunkRows], dtype: DTYPES[spec.kind] });
      if (spec.unit) dataset.create_attribute('units', spec.unit);
      return dataset;
    });
    return {
      append(count, batch) {
        if (count === 0) return;
        datasets.forEach((dataset, i) => {
          const spec = columns[i];
          const values = batch[i];
          if (!spec || !values || values.length !== count) throw new Error(`column ${spec?.name ?? i}: ${values?.length ?? 0} values for ${count} rows`);
          dataset.resize([rows + count]);
          const data = spec.kind === 'string' ? (values as readonly string[]).map((text) => fitText(text, spec.width ?? 1)) : values;
          dataset.write_slice([[rows, rows + count]], data);
        });
        rows += count;
      },
      close() {
        file.close();
      },
    };
  } catch (cause) {
    file.close();
    throw cause;
  }
}
