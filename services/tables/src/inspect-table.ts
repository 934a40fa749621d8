import { ok, type Result } from '@pz/contracts';
import type { TableError } from './errors';
import { readTable } from './read-table';
import type { ReadMeter, TableInspection } from './types';

/** Archive members may not expand beyond this unless the caller sets its own cap. */
export const DEFAULT_MAX_EXTRACTED_BYTES = 4 * 1024 ** 3;
export const DEFAULT_PREVIEW_ROWS = 100;

export interface InspectTableOptions {
  /** The name the file was uploaded under (format hint when magic bytes are inconclusive). */
  readonly fileName: string;
  readonly previewRows?: number;
  /** Absolute cap on an archive member's extracted size (the 20x ratio applies as well). */
  readonly maxExtractedBytes?: number;
  /** Counts bytes read from disk, for benches and tests of preview cost. */
  readonly readMeter?: ReadMeter;
  /** How long Parquet pages may take to decode before the file is deemed hostile (default 30 s). */
  readonly decodeTimeoutMs?: number;
}

/** What `registry` needs from a main file: format, columns, row count and a preview. */
export async function inspectTable(filePath: string, options: InspectTableOptions): Promise<Result<TableInspection, TableError>> {
  const slice = await readTable(
    filePath,
    { offset: 0, limit: options.previewRows ?? DEFAULT_PREVIEW_ROWS },
    {
      fileName: options.fileName,
      meter: options.readMeter,
      maxExtractedBytes: options.maxExtractedBytes ?? DEFAULT_MAX_EXTRACTED_BYTES,
      ...(options.decodeTimeoutMs === undefined ? {} : { decodeTimeoutMs: options.decodeTimeoutMs }),
    },
  );
  if (!slice.ok) return slice;
  const { format, columns, nRows, rows, details, rowsUnavailable } = slice.value;
  return ok({
    format,
    columns,
    nRows,
    previewRows: rows,
    details: rowsUnavailable ? { ...details, preview_unavailable: rowsUnavailable.message } : details,
  });
}
