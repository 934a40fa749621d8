import { ok, type Result } from '@pz/contracts';
import { tableFailure, type TableError } from '../errors';
import { withFileRangeReader } from '../file-range-reader';
import { tableReaderLimits } from '../reader-limits';
import type { ReadContext, RowWindow, TableRow, TableSlice } from '../types';
import { asciiTableColumns } from './ascii-table-columns';
import { binaryTableColumns } from './bintable-columns';
import { findFirstTableHdu } from './fits-hdus';
import { fitsColumnMetadata } from './fits-column-metadata';

/**
 * Reads the first table extension of a FITS file: headers block by block, then one range read
 * for exactly the window's rows (row r sits at dataStart + r x NAXIS1), never the whole file.
 */
export function readFitsTable(filePath: string, window: RowWindow, context: ReadContext): Promise<Result<TableSlice, TableError>> {
  return withFileRangeReader(filePath, context.meter, async (reader): Promise<Result<TableSlice, TableError>> => {
    const found = await findFirstTableHdu(reader);
    if (!found.ok) return found;
    const hdu = found.value;
    const rowBytes = hdu.header.integer('NAXIS1');
    const nRows = hdu.header.integer('NAXIS2');
    if (rowBytes === null || nRows === null || rowBytes < 0 || nRows < 0) {
      return tableFailure('TABLE_UNREADABLE', `The FITS ${hdu.xtension} header of extension ${hdu.index} lacks valid NAXIS1/NAXIS2 cards.`);
    }
    const columns = hdu.xtension === 'BINTABLE' ? binaryTableColumns(hdu.header, rowBytes) : asciiTableColumns(hdu.header, rowBytes);
    if (!columns.ok) return columns;

    const tableBytes = rowBytes * nRows;
    const available = reader.size - hdu.dataStart;
    if (available < tableBytes) {
      return tableFailure(
        'TABLE_TRUNCATED',
        `The FITS table declares ${nRows} rows of ${rowBytes} bytes (${tableBytes} bytes) but the file holds only ${Math.max(available, 0)} bytes after its header: it is truncated.`,
      );
    }

    const first = Math.min(window.offset, nRows);
    const count = Math.min(window.limit, nRows - first);
    const { maxWindowBytes } = tableReaderLimits();
    if (count * rowBytes > maxWindowBytes) {
      return tableFailure(
        'TABLE_LIMIT_EXCEEDED',
        `Reading ${count} rows of this FITS table needs ${count * rowBytes} bytes (${rowBytes} per row), more than the ${maxWindowBytes} bytes allowed per read: ask for fewer rows.`,
      );
    }
    const rows: TableRow[] = [];
    if (count > 0 && rowBytes > 0) {
      const bytes = await reader.read(hdu.dataStart + first * rowBytes, count * rowBytes);
      for (let r = 0; r < count; r++) {
        const view = new DataView(bytes.buffer, bytes.byteOffset + r * rowBytes, rowBytes);
        const row: TableRow = {};
        for (const column of columns.value) row[column.name] = column.decode(view);
        rows.push(row);
      }
    } else {
      for (let r = 0; r < count; r++) rows.push(Object.fromEntries(columns.value.map((column) => [column.name, null])));
    }
    return ok({
      format: 'fits',
      columns: columns.value.map(({ name, type }, i) => ({ name, type, ...fitsColumnMetadata(hdu.header, i) })),
      nRows,
      rows,
      details: { hdu_index: hdu.index, hdu_name: hdu.header.text('EXTNAME')?.trim() ?? null, xtension: hdu.xtension },
    });
  });
}
