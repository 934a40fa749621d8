import { err, ok, type Result } from '@pz/contracts';
import type { TableError } from './errors';
import { readContextOf, type TableReadOptions } from './read-options';
import { readTable } from './read-table';
import type { TableRows } from './types';

export interface ReadTableRowsOptions extends TableReadOptions {
  /** First row (0-based) of the page. */
  readonly offset: number;
  /** Rows in the page (at most 10,000). */
  readonly limit: number;
}

/** One page of rows for `read_data`: `{count, columns, rows}`, count being the whole table's. */
export async function readTableRows(filePath: string, options: ReadTableRowsOptions): Promise<Result<TableRows, TableError>> {
  const slice = await readTable(
    filePath,
    { offset: options.offset, limit: options.limit },
    readContextOf(options),
  );
  if (!slice.ok) return slice;
  if (slice.value.rowsUnavailable) return err(slice.value.rowsUnavailable);
  return ok({ count: slice.value.nRows, columns: slice.value.columns.map((column) => column.name), rows: slice.value.rows });
}
