import type { Dataset, Group } from 'h5wasm';
import { ecsvHeaderColumnMeta, type ColumnMeta } from '../astropy-ecsv-header';
import type { H5wasm } from './h5wasm-module';
import type { Hdf5Table } from './hdf5-table-layout';

/** A metadata dataset larger than this is not read: astropy's headers are a few kilobytes. */
const MAX_HEADER_BYTES = 1024 * 1024;

/**
 * Units, descriptions and UCDs astropy keeps beside a table it writes to HDF5
 * (`Table.write(..., serialize_meta=True)`): the sibling dataset `<name>.__table_column_meta__`
 * holds the ECSV header, one line per string. A table without it, or with one too large or not
 * of strings, answers an empty map; this never refuses the table.
 */
export function astropyHdf5ColumnMeta(h5: H5wasm, parent: Group, table: Dataset): Map<string, ColumnMeta> {
  try {
    const header = parent.get(`${table.path}.__table_column_meta__`);
    if (!(header instanceof h5.Dataset)) return new Map();
    const shape = header.shape ?? [];
    if (shape.length !== 1 || (shape[0] ?? 0) * header.metadata.size > MAX_HEADER_BYTES || header.metadata.vlen) return new Map();
    const value: unknown = header.value;
    const lines = Array.isArray(value) ? value : [];
    if (!lines.every((line): line is string => typeof line === 'string')) return new Map();
    return ecsvHeaderColumnMeta(lines.join('\n'));
  } catch {
    return new Map();
  }
}

/** The table with each column's unit, description and UCD, where `meta` names the column. */
export function withColumnMeta(table: Hdf5Table, meta: ReadonlyMap<string, ColumnMeta>): Hdf5Table {
  if (meta.size === 0) return table;
  return { ...table, columns: table.columns.map((column) => ({ ...column, ...meta.get(column.name) })) };
}
