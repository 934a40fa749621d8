import type { Hdf5ColumnBatch, Hdf5ColumnKind, Hdf5ColumnSpec } from '@pz/tables/hdf5/hdf5-column-writer';
import { outputText, type OutputColumn } from './output-columns';

/**
 * HDF5 has no null: floats hold NaN, text an empty string, and an integer or boolean column that
 * has nulls is written as float64 with NaN for them (exact for integers up to 2^53).
 */
export function hdf5KindOf(column: OutputColumn): Hdf5ColumnKind {
  if ((column.kind === 'bool' || column.kind === 'int32' || column.kind === 'int64') && column.hasNulls) return 'float64';
  return column.kind === 'bool' ? 'uint8' : column.kind;
}

export const hdf5ColumnOf = (column: OutputColumn): Hdf5ColumnSpec => ({
  name: column.name,
  kind: hdf5KindOf(column),
  ...(column.kind === 'string' ? { width: column.width } : {}),
  ...(column.unit ? { unit: column.unit } : {}),
});

const numeric = (value: unknown): number => (value === null || value === undefined ? Number.NaN : typeof value === 'boolean' ? (value ? 1 : 0) : Number(value));

/** One batch of rows as the column arrays the HDF5 writer appends. */
export function hdf5Batch(rows: readonly Record<string, unknown>[], specs: readonly Hdf5ColumnSpec[], names: readonly string[]): Hdf5ColumnBatch[] {
  return specs.map((spec, i) => {
    const name = names[i] ?? spec.name;
    switch (spec.kind) {
      case 'string':
        return rows.map((row) => outputText(row[name]));
      case 'int64':
        return BigInt64Array.from(rows, (row) => {
          const value = row[name];
          return typeof value === 'bigint' ? value : BigInt(Math.trunc(Number(value ?? 0)));
        });
      case 'int32':
        return Int32Array.from(rows, (row) => numeric(row[name]));
      case 'uint8':
        return Uint8Array.from(rows, (row) => numeric(row[name]));
      case 'float32':
        return Float32Array.from(rows, (row) => numeric(row[name]));
      default:
        return Float64Array.from(rows, (row) => numeric(row[name]));
    }
  });
}
