import { err, ok, type Result } from '@pz/contracts';
import type { TableError } from './errors';
import { DEFAULT_MAX_EXTRACTED_BYTES } from './inspect-table';
import { readTable } from './read-table';
import type { ReadMeter, TableRows } from './types';

export interface ReadTableRowsOptions {
  readonly fileName: string;
  /** First row (0-based) of the page. */
  readonly offset: number;
  /** Rows in the page (at most 10,000). */
  readonly limit: number;
  readonly maxExtractedBytes?: number;
  readonly readMeter?: ReadMeter;
  /** The count a full read of this very file found (see `ReadContext.knownRowCount`). */
  readonly knownRowCount?: number;
  /** How long Parquet pages may take to decode before the file is deemed hostile (default 30 s). */
  readonly decodeTimeoutMs?: number;
}

/** One page of rows for `read_data`: `{count, columns, rows}`, count being the whole table's. */
export async function readTableRows(filePath: string, options: ReadTableRowsOptions): Promise<Result<TableRows, TableError>> {
  const slice = await readTable(
    filePath,
    { offset: options.offset, limit: options.limit },
    {
      fileName: options.fileName,
      meter: options.readMeter,
      maxExtractedBytes: options.maxExtractedBytes ?? DEFAULT_MAX_EXTRACTED_BYTES,
      ...(options.knownRowCount === undefined ? {} : { knownRowCount: options.knownRowCount }),
      ...(options.decodeTimeoutMs === undefined ? {} : { decodeTimeoutMs: options.decodeTimeoutMs }),
    },
  );
  if (!slice.ok) return slice;
  if (slice.value.rowsUnavailable) return err(slice.value.rowsUnavailable);
  return ok({ count: slice.value.nRows, columns: slice.value.columns.map((column) => column.name), rows: slice.value.rows });
}
