import { ok, type Result } from '@pz/contracts';
import { tableFailure, type TableError } from '../errors';
import type { ReadContext, RowWindow, TableSlice } from '../types';
import { findHdf5Table } from './hdf5-table-finder';
import { hdf5ErrorReason, loadH5wasm } from './h5wasm-module';

/** Closing cannot change the answer; a failure here must not replace it. */
function closeQuietly(file: { close(): unknown }): void {
  try {
    file.close();
  } catch {
    // The handle is gone either way.
  }
}

function openFailure(reason: string): Result<never, TableError> {
  if (/truncated/i.test(reason)) return tableFailure('TABLE_TRUNCATED', `The HDF5 file is truncated: ${reason}.`);
  if (/signature not found/i.test(reason)) return tableFailure('TABLE_UNREADABLE', 'This is not an HDF5 file: its signature is missing.');
  return tableFailure('TABLE_UNREADABLE', `The HDF5 file could not be opened: ${reason}.`);
}

/**
 * Reads a table from an HDF5 file with libhdf5 (h5wasm): the row count from the dataset shape
 * and the window by hyperslab, so only the chunks holding those rows are read.
 */
export async function readHdf5Table(filePath: string, window: RowWindow, _context: ReadContext): Promise<Result<TableSlice, TableError>> {
  const h5 = await loadH5wasm();
  let file: InstanceType<typeof h5.File>;
  try {
    file = new h5.File(filePath, 'r');
  } catch (cause) {
    return openFailure(hdf5ErrorReason(cause));
  }
  try {
    const table = findHdf5Table(h5, file);
    if (!table) {
      return tableFailure(
        'TABLE_NOT_FOUND',
        'The HDF5 file holds no table: no compound dataset, no group of equal-length column datasets and no pandas HDFStore frame.',
      );
    }
    const first = Math.min(window.offset, table.nRows);
    const count = Math.min(window.limit, table.nRows - first);
    return ok({
      format: 'hdf5',
      columns: table.columns,
      nRows: table.nRows,
      rows: table.readRows(first, count),
      details: { hdf5_layout: table.layout, hdf5_path: table.path },
    });
  } catch (cause) {
    const reason = hdf5ErrorReason(cause);
    if (/truncated|eof|address .* beyond/i.test(reason)) return tableFailure('TABLE_TRUNCATED', `The HDF5 file is truncated: ${reason}.`);
    return tableFailure('TABLE_UNREADABLE', `The HDF5 table could not be read: ${reason}.`);
  } finally {
    closeQuietly(file);
  }
}
