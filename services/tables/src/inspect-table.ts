import { ok, type Result } from '@pz/contracts';
import type { TableError } from './errors';
import { readContextOf, type TableReadOptions } from './read-options';
import { readTable } from './read-table';
import type { TableInspection } from './types';

export const DEFAULT_PREVIEW_ROWS = 100;

export interface InspectTableOptions extends Omit<TableReadOptions, 'knownRowCount' | 'rowIndex'> {
  readonly previewRows?: number;
}

/** What `registry` needs from a main file: format, columns, row count and a preview. */
export async function inspectTable(filePath: string, options: InspectTableOptions): Promise<Result<TableInspection, TableError>> {
  const slice = await readTable(
    filePath,
    { offset: 0, limit: options.previewRows ?? DEFAULT_PREVIEW_ROWS },
    // Registry's one look at the file checks all of it (every Parquet page header), not just the preview.
    { ...readContextOf(options), checkEveryPage: true },
  );
  if (!slice.ok) return slice;
  const { format, columns, nRows, rows, details, rowsUnavailable, rowIndex } = slice.value;
  return ok({
    format,
    columns,
    nRows,
    previewRows: rows,
    details: rowsUnavailable ? { ...details, preview_unavailable: rowsUnavailable.message } : details,
    ...(rowIndex === undefined ? {} : { rowIndex }),
  });
}
