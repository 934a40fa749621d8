import type { SchemaElement } from 'hyparquet';
import { parquetRowGroupRows, type ParquetRowGroups } from './parquet-row-groups';

/**
 * How one column of a pipeline's Parquet output is written as FITS or HDF5: its kind, whether it
 * holds nulls and, for text, its widest value in bytes. Decided from the Parquet schema and one
 * pass over the columns that need it (text widths, nulls in integer and boolean columns).
 */
export type OutputKind = 'bool' | 'int32' | 'int64' | 'float32' | 'float64' | 'string';

export interface OutputColumn {
  readonly name: string;
  readonly kind: OutputKind;
  readonly hasNulls: boolean;
  /** Text columns: bytes of the longest value (at least 1). */
  readonly width: number;
  readonly unit?: string;
}

const INT32_TYPES = new Set(['INT_8', 'INT_16', 'INT_32', 'UINT_8', 'UINT_16']);

/** The kind a column is written as; anything not a plain number or boolean is written as text. */
export function outputKindOf(element: SchemaElement, nested: boolean): OutputKind {
  if (nested) return 'string';
  const logical = element.logical_type?.type;
  if (logical && !['INTEGER', 'STRING'].includes(logical)) return 'string';
  switch (element.type) {
    case 'BOOLEAN':
      return 'bool';
    case 'INT32':
      return element.converted_type === undefined || INT32_TYPES.has(element.converted_type) ? 'int32' : element.converted_type === 'UINT_32' ? 'int64' : 'string';
    case 'INT64':
      return element.converted_type === undefined || element.converted_type === 'INT_64' ? 'int64' : 'string';
    case 'FLOAT':
      return 'float32';
    case 'DOUBLE':
      return 'float64';
    default:
      return 'string';
  }
}

/** A value as the text a FITS or HDF5 string cell holds. */
export function outputText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'object') return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}

/** Plans every column of the file: the schema gives the kinds, one pass over the columns that need it the widths and nulls. */
export async function planOutputColumns(source: ParquetRowGroups, units: ReadonlyMap<string, string>): Promise<OutputColumn[]> {
  const kinds = source.columns.map(({ element, nested }) => ({ name: element.name, kind: outputKindOf(element, nested), optional: element.repetition_type !== 'REQUIRED' }));
  const scanned = kinds.filter((c) => c.kind === 'string' || (c.optional && (c.kind === 'bool' || c.kind === 'int32' || c.kind === 'int64')));
  const widths = new Map<string, number>(scanned.map((c) => [c.name, 1]));
  const nulls = new Set<string>();
  if (scanned.length > 0) {
    for await (const rows of parquetRowGroupRows(source, scanned.map((c) => c.name))) {
      for (const column of scanned) {
        let width = widths.get(column.name) ?? 1;
        for (const row of rows) {
          const value = row[column.name];
          if (value === null || value === undefined) nulls.add(column.name);
          else if (column.kind === 'string') width = Math.max(width, Buffer.byteLength(outputText(value), 'utf8'));
        }
        widths.set(column.name, width);
      }
    }
  }
  return kinds.map(({ name, kind }) => {
    const unit = units.get(name);
    return { name, kind, hasNulls: nulls.has(name), width: widths.get(name) ?? 1, ...(unit ? { unit } : {}) };
  });
}
