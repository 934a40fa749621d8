import { stat } from 'node:fs/promises';
import { fileWriter, ParquetWriter, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer';
import { writeFitsTable, type FitsCell } from '@pz/tables/fits/fits-writer';
import { Random } from './random';

/**
 * Seeded catalogue tables (id, ra, dec, z, mag, flag) of about a requested size, as Parquet and
 * as FITS, written in bounded chunks so that a gigabyte file never sits in memory.
 */

/** Rows per Parquet row group: about 35 MB, a typical pyarrow/Spark row group. */
const ROWS_PER_GROUP = 1_000_000;
/** Bytes a row takes in the Parquet file below (three random doubles, a plain int64, two dictionary-encoded columns), measured. */
const PARQUET_ROW_BYTES = 28;
/** ID K, RA D, DEC D, Z D, MAG E, FLAG J. */
const FITS_ROW_BYTES = 40;

export interface WrittenTable {
  readonly rows: number;
  readonly bytes: number;
}

interface CatalogueRow {
  ra: number;
  dec: number;
  z: number;
  mag: number;
  flag: number;
}

function catalogueRow(random: Random, into: CatalogueRow): void {
  into.ra = random.next() * 360;
  into.dec = (Math.asin(2 * random.next() - 1) * 180) / Math.PI;
  into.z = random.next() * 3;
  into.mag = 18 + random.int(0, 799) / 100;
  into.flag = random.int(0, 4);
}

function parquetGroup(seed: number, group: number, firstRow: number, rows: number): ColumnSource[] {
  const random = Random.forItem(seed, group);
  const id = new BigInt64Array(rows);
  const ra = new Float64Array(rows);
  const dec = new Float64Array(rows);
  const z = new Float64Array(rows);
  const mag = new Float32Array(rows);
  const flag = new Int32Array(rows);
  const row: CatalogueRow = { ra: 0, dec: 0, z: 0, mag: 0, flag: 0 };
  for (let i = 0; i < rows; i++) {
    catalogueRow(random, row);
    id[i] = BigInt(firstRow + i);
    ra[i] = row.ra;
    dec[i] = row.dec;
    z[i] = row.z;
    mag[i] = row.mag;
    flag[i] = row.flag;
  }
  // No page index, as pyarrow writes by default: only page headers say where rows are. No nulls,
  // so the columns are REQUIRED (writing definition levels would double the writing time).
  const column = (name: string, data: ColumnSource['data'], type: ColumnSource['type']): ColumnSource => ({ name, data, type, nullable: false, offsetIndex: false });
  return [column('id', id, 'INT64'), column('ra', ra, 'DOUBLE'), column('dec', dec, 'DOUBLE'), column('z', z, 'DOUBLE'), column('mag', mag, 'FLOAT'), column('flag', flag, 'INT32')];
}

/** A Snappy-compressed Parquet file of about `bytes`, in row groups of a million rows, one group in memory at a time. */
export async function writeParquetCatalogue(filePath: string, bytes: number, seed: number): Promise<WrittenTable> {
  const rows = Math.max(1, Math.round(bytes / PARQUET_ROW_BYTES));
  const first = parquetGroup(seed, 0, 0, Math.min(rows, ROWS_PER_GROUP));
  const writer = new ParquetWriter({ writer: fileWriter(filePath), schema: schemaFromColumnData({ columnData: first }) });
  let columnData = first;
  for (let group = 0, firstRow = 0; firstRow < rows; group++) {
    const groupRows = Math.min(rows - firstRow, ROWS_PER_GROUP);
    if (group > 0) columnData = parquetGroup(seed, group, firstRow, groupRows);
    await writer.write({ columnData, rowGroupSize: groupRows });
    firstRow += groupRows;
  }
  await writer.finish();
  return { rows, bytes: (await stat(filePath)).size };
}

/** A FITS BINTABLE of about `bytes` (40-byte rows), streamed by the tables package's writer. */
export async function writeFitsCatalogue(filePath: string, bytes: number, seed: number): Promise<WrittenTable> {
  const rows = Math.max(1, Math.round(bytes / FITS_ROW_BYTES));
  const random = new Random(seed);
  const row: CatalogueRow = { ra: 0, dec: 0, z: 0, mag: 0, flag: 0 };
  let current = -1;
  // The writer asks for cells row by row, column by column: draw a row's values once, at its first cell.
  const cell = (index: number, column: number): FitsCell => {
    if (index !== current) {
      catalogueRow(random, row);
      current = index;
    }
    switch (column) {
      case 0:
        return BigInt(index);
      case 1:
        return row.ra;
      case 2:
        return row.dec;
      case 3:
        return row.z;
      case 4:
        return row.mag;
      default:
        return row.flag;
    }
  };
  await writeFitsTable(filePath, {
    columns: [
      { name: 'ID', form: 'K' },
      { name: 'RA', form: 'D' },
      { name: 'DEC', form: 'D' },
      { name: 'Z', form: 'D' },
      { name: 'MAG', form: 'E' },
      { name: 'FLAG', form: 'J' },
    ],
    nRows: rows,
    cell,
  });
  return { rows, bytes: (await stat(filePath)).size };
}
