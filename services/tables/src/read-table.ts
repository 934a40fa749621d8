import type { Result } from '@pz/contracts';
import { readArchiveTable } from './archive/archive-table';
import { readCsvTable } from './csv/csv-table';
import { fileUnavailable, tableFailure, unexpectedFailure, type TableError } from './errors';
import { readFitsTable } from './fits/fits-table';
import { DETECTION_HEAD_BYTES, detectFormat, type DetectedFormat } from './format-detection';
import { withFileRangeReader } from './file-range-reader';
import { readHatsArchive } from './hats/hats-table';
import { readHdf5Table } from './hdf5/hdf5-table';
import { readParquetTable } from './parquet/parquet-table';
import { readVotableTable } from './votable/votable-table';
import type { ReadContext, RowWindow, TableSlice } from './types';

/** `read_data` pages hold at most 1000 rows; this bounds what any caller can ask for. */
export const MAX_WINDOW_ROWS = 10_000;

const LABELS: Record<DetectedFormat, string> = {
  csv: 'The text table',
  parquet: 'The Parquet file',
  fits: 'The FITS file',
  hdf5: 'The HDF5 file',
  zip: 'The zip archive',
  gzip: 'The gzip archive',
  tar: 'The tar archive',
  votable: 'The VOTable',
};

const wholeNumber = (value: number, max: number): number => (Number.isFinite(value) ? Math.min(Math.max(0, Math.floor(value)), max) : 0);

const normalizeWindow = ({ offset, limit }: RowWindow): RowWindow => ({
  offset: wholeNumber(offset, Number.MAX_SAFE_INTEGER),
  limit: wholeNumber(limit, MAX_WINDOW_ROWS),
});

async function readHead(filePath: string, context: ReadContext): Promise<{ size: number; head: Uint8Array }> {
  return withFileRangeReader(filePath, context.meter, async (reader) => ({ size: reader.size, head: await reader.read(0, DETECTION_HEAD_BYTES) }));
}

/**
 * Detects the format of a file and lets its reader return the table's shape and one window of
 * rows. Archives are opened once: a member that is itself an archive is refused.
 */
export async function readTable(
  filePath: string,
  window: RowWindow,
  context: ReadContext,
  nesting: { readonly insideArchive: boolean } = { insideArchive: false },
): Promise<Result<TableSlice, TableError>> {
  let head: { size: number; head: Uint8Array };
  try {
    head = await readHead(filePath, context);
  } catch (cause) {
    return fileUnavailable(cause);
  }
  if (head.size === 0) return tableFailure('TABLE_EMPTY', 'The file is empty (0 bytes).');
  const format = detectFormat(head.head, context.fileName);
  const rows = normalizeWindow(window);
  try {
    switch (format) {
      case 'csv':
        return await readCsvTable(filePath, rows, context);
      case 'parquet':
        return await readParquetTable(filePath, rows, context);
      case 'fits':
        return await readFitsTable(filePath, rows, context);
      case 'hdf5':
        // qp ensembles too: their reader is an HDF5 layout reader, run in the confined HDF5 worker.
        return await readHdf5Table(filePath, rows, context);
      case 'votable':
        return await readVotableTable(filePath, rows, context);
      case 'zip':
      case 'gzip':
      case 'tar':
        if (nesting.insideArchive) return tableFailure('TABLE_ARCHIVE_INVALID', 'An archive inside an archive is not supported.');
        return (await readHatsArchive(filePath, format, rows, context)) ?? await readArchiveTable(filePath, format, rows, context, (member, memberRows, memberContext) =>
          readTable(member, memberRows, memberContext, { insideArchive: true }),
        );
    }
  } catch (cause) {
    return unexpectedFailure(LABELS[format], cause);
  }
}
