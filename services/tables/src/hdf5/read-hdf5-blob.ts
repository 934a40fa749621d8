import { ok, type Result } from '@pz/contracts';
import { tableFailure, type TableError } from '../errors';
import type { RowWindow, TableSlice } from '../types';
import { mountBlob, type MountedBlob } from './hdf5-blob';
import { checkWindow, RefusedHdf5, type Hdf5Limits } from './hdf5-guards';
import { HDF5_LAYOUT_READERS } from './hdf5-layout-readers';
import { findHdf5Table } from './hdf5-table-finder';
import { hdf5ErrorReason, loadH5wasm } from './h5wasm-module';

/** Closing cannot change the answer; a failure here must not replace it. */
function quietly(action: () => unknown): void {
  try {
    action();
  } catch {
    // The handle is gone either way.
  }
}

function openFailure(reason: string): Result<never, TableError> {
  if (/truncated/i.test(reason)) return tableFailure('TABLE_TRUNCATED', `The HDF5 file is truncated: ${reason}.`);
  if (/signature not found/i.test(reason)) return tableFailure('TABLE_UNREADABLE', 'This is not an HDF5 file: its signature is missing.');
  return tableFailure('TABLE_UNREADABLE', `The HDF5 file could not be opened: ${reason}.`);
}

function readFailure(cause: unknown): Result<never, TableError> {
  if (cause instanceof RefusedHdf5) return tableFailure(cause.code, cause.message);
  const reason = hdf5ErrorReason(cause);
  if (/truncated|eof|address .* beyond/i.test(reason)) return tableFailure('TABLE_TRUNCATED', `The HDF5 file is truncated: ${reason}.`);
  if (/memory allocation failed|out of memory|Cannot enlarge memory/i.test(reason)) {
    return tableFailure('TABLE_LIMIT_EXCEEDED', `Reading the HDF5 table needed more memory than this server allows for one read (${reason}).`);
  }
  return tableFailure('TABLE_UNREADABLE', `The HDF5 table could not be read: ${reason}.`);
}

/** Whatever libhdf5 answered, a file that made it try to open another path is refused. */
function refusedReference(mounted: MountedBlob): Result<never, TableError> | null {
  const [first] = mounted.refusedPaths;
  if (first === undefined) return null;
  return tableFailure(
    'TABLE_EXTERNAL_REFERENCE',
    `The HDF5 file refers to data in another file ("${first}": an external storage list, link or virtual dataset); this server reads only the uploaded file itself.`,
  );
}

function readMounted(h5: Awaited<ReturnType<typeof loadH5wasm>>, mounted: MountedBlob, window: RowWindow, limits: Hdf5Limits): Result<TableSlice, TableError> {
  let file: InstanceType<typeof h5.File>;
  try {
    file = new h5.File(mounted.path, 'r');
  } catch (cause) {
    return refusedReference(mounted) ?? openFailure(hdf5ErrorReason(cause));
  }
  try {
    for (const readLayout of HDF5_LAYOUT_READERS) {
      const special = readLayout(h5, file, window, limits);
      if (special) return refusedReference(mounted) ?? special;
    }
    const table = findHdf5Table(h5, file, limits);
    if (!table) {
      return tableFailure(
        'TABLE_NOT_FOUND',
        'The HDF5 file holds no table: no compound dataset, no group of equal-length column datasets and no pandas HDFStore frame.',
      );
    }
    const first = Math.min(window.offset, table.nRows);
    const count = Math.min(window.limit, table.nRows - first);
    checkWindow(table.sources, count, limits);
    const rows = table.readRows(first, count);
    return (
      refusedReference(mounted) ??
      ok({ format: 'hdf5', columns: table.columns, nRows: table.nRows, rows, details: { hdf5_layout: table.layout, hdf5_path: table.path } })
    );
  } catch (cause) {
    return refusedReference(mounted) ?? readFailure(cause);
  } finally {
    quietly(() => file.close());
  }
}

/**
 * Reads a table from an HDF5 blob with libhdf5 (h5wasm): the row count from the dataset shape
 * and the window by hyperslab, so only the chunks holding those rows are read. libhdf5 sees the
 * blob alone, mounted in its in-memory file system: it cannot open any path of the server, and
 * a file that tries (External File List, external link, virtual dataset) is refused. Runs in a
 * worker thread (hdf5-worker.ts), never on the server's event loop.
 */
export async function readHdf5Blob(filePath: string, window: RowWindow, limits: Hdf5Limits): Promise<Result<TableSlice, TableError>> {
  const h5 = await loadH5wasm();
  let mounted: MountedBlob;
  try {
    mounted = mountBlob(await h5.ready, filePath);
  } catch (cause) {
    return tableFailure('TABLE_FILE_UNAVAILABLE', `The file could not be read from disk: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  try {
    return readMounted(h5, mounted, window, limits);
  } finally {
    quietly(() => mounted.unmount());
  }
}
