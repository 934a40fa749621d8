import type { Dataset } from 'h5wasm';
import type { TableColumn, TableRow } from '../types';

export type Hdf5LayoutKind = 'compound' | 'columns' | 'pandas_fixed' | 'pandas_table';

/** A table found in an HDF5 file, whatever way it is laid out there. */
export interface Hdf5Table {
  readonly layout: Hdf5LayoutKind;
  /** Path of the compound dataset, or of the group holding the columns. */
  readonly path: string;
  readonly columns: TableColumn[];
  readonly nRows: number;
  /** The datasets `readRows` reads from, for the checks made before any read (storage, chunk size). */
  readonly sources: readonly Dataset[];
  /** Reads rows by hyperslab, so only the chunks holding them are read from disk. */
  readRows(first: number, count: number): TableRow[];
}

type Attributed = { readonly attrs: Record<string, { readonly value: unknown }> };

export function attrText(entity: Attributed, name: string): string | null {
  const value = entity.attrs[name]?.value;
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return null;
}

export function attrNumber(entity: Attributed, name: string): number | null {
  const value = entity.attrs[name]?.value;
  if (typeof value === 'bigint') return Number(value);
  return typeof value === 'number' ? value : null;
}

export const childPath = (parent: string, name: string): string => (parent === '/' ? `/${name}` : `${parent}/${name}`);
