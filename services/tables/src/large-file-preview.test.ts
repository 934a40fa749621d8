import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFitsTable } from './fits/fits-writer';
import { inspectTable } from './inspect-table';
import { readTableRows } from './read-table-rows';
import { createReadMeter, type ReadMeter } from './types';

/**
 * Preview cost must not grow with file size (a bench compares 10 MB with 1 GB). Each format is
 * written at ~10 MB and ~50 MB, and the bytes the preview reads are counted.
 */
const MB = 1024 * 1024;
const MEGABYTES = 1_000_000;

function writeParquet(filePath: string, rows: number): void {
  // One row group and no page index: what pyarrow writes by default, and the hardest case,
  // since nothing but the page headers says where the first rows end.
  parquetWriteFile({
    filename: filePath,
    rowGroupSize: rows,
    columnData: [
      { name: 'id', data: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)), type: 'INT64', offsetIndex: false },
      { name: 'ra', data: Float64Array.from({ length: rows }, (_, i) => (i * 7.31) % 360), type: 'DOUBLE', offsetIndex: false },
      { name: 'dec', data: Float64Array.from({ length: rows }, (_, i) => Math.sin(i) * 90), type: 'DOUBLE', offsetIndex: false },
      { name: 'z', data: Float64Array.from({ length: rows }, (_, i) => Math.abs(Math.cos(i * 1.7)) * 3), type: 'DOUBLE', offsetIndex: false },
      { name: 'mag', data: Float32Array.from({ length: rows }, (_, i) => 18 + (i % 800) / 100), type: 'FLOAT', offsetIndex: false },
      { name: 'flag', data: Int32Array.from({ length: rows }, (_, i) => i % 5), type: 'INT32', offsetIndex: false },
    ],
  });
}

const writeFits = (filePath: string, rows: number): Promise<void> =>
  writeFitsTable(filePath, {
    columns: [
      { name: 'ID', form: 'K' },
      { name: 'RA', form: 'D' },
      { name: 'DEC', form: 'D' },
      { name: 'Z', form: 'E' },
      { name: 'NAME', form: '12A' },
    ],
    nRows: rows,
    cell: (row, column) => [BigInt(row), (row * 7.31) % 360, Math.sin(row) * 90, row / 1e6, `obj${row}`][column] ?? null,
  });

interface Measured {
  readonly size: number;
  readonly meter: ReadMeter;
}

async function previewCost(filePath: string): Promise<Measured> {
  const meter = createReadMeter();
  const result = await inspectTable(filePath, { fileName: path.basename(filePath), readMeter: meter });
  if (!result.ok) throw new Error(result.error.message);
  expect(result.value.previewRows).toHaveLength(100);
  const ids = result.value.previewRows.map((row) => row['id'] ?? row['ID']);
  expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => i));
  return { size: (await stat(filePath)).size, meter };
}

describe('preview cost does not grow with file size', () => {
  let dir: string;
  const files = { parquetSmall: '', parquetLarge: '', fitsSmall: '', fitsLarge: '' };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pz-large-'));
    files.parquetSmall = path.join(dir, 'small.parquet');
    files.parquetLarge = path.join(dir, 'large.parquet');
    files.fitsSmall = path.join(dir, 'small.fits');
    files.fitsLarge = path.join(dir, 'large.fits');
    writeParquet(files.parquetSmall, 420_000);
    writeParquet(files.parquetLarge, 2_100_000);
    await writeFits(files.fitsSmall, 262_144);
    await writeFits(files.fitsLarge, 1_310_720);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('Parquet: footer plus the first page of each column, whatever the size', async () => {
    const small = await previewCost(files.parquetSmall);
    const large = await previewCost(files.parquetLarge);
    expect(small.size).toBeGreaterThan(10 * MEGABYTES);
    expect(large.size).toBeGreaterThan(50 * MEGABYTES);
    // About one 1 MB page per column; independent of the rows behind it.
    expect(large.meter.bytesRead).toBeLessThan(8 * MB);
    expect(large.meter.bytesRead).toBeLessThan(large.size / 6);
    expect(Math.abs(large.meter.bytesRead - small.meter.bytesRead)).toBeLessThan(MB / 2);
  });

  it('FITS: headers plus exactly the preview rows', async () => {
    const small = await previewCost(files.fitsSmall);
    const large = await previewCost(files.fitsLarge);
    expect(small.size).toBeGreaterThan(10 * MEGABYTES);
    expect(large.size).toBeGreaterThan(50 * MEGABYTES);
    expect(large.meter.bytesRead).toBe(small.meter.bytesRead);
    expect(large.meter.bytesRead).toBeLessThan(64 * 1024);
  });

  it('reads pages far into one large row group correctly', async () => {
    const rows = await readTableRows(files.parquetLarge, { fileName: 'large.parquet', offset: 2_099_995, limit: 10 });
    expect(rows.ok && rows.value.count).toBe(2_100_000);
    expect(rows.ok && rows.value.rows.map((row) => row['id'])).toEqual([2_099_995, 2_099_996, 2_099_997, 2_099_998, 2_099_999]);
    const middle = await readTableRows(files.parquetLarge, { fileName: 'large.parquet', offset: 800_000, limit: 2 });
    expect(middle.ok && middle.value.rows).toEqual([
      { id: 800_000, ra: expect.closeTo((800_000 * 7.31) % 360, 9), dec: expect.any(Number), z: expect.any(Number), mag: 18, flag: 0 },
      { id: 800_001, ra: expect.any(Number), dec: expect.any(Number), z: expect.any(Number), mag: expect.closeTo(18.01, 5), flag: 1 },
    ]);
    const fits = await readTableRows(files.fitsLarge, { fileName: 'large.fits', offset: 1_000_000, limit: 1 });
    expect(fits.ok && fits.value.rows).toEqual([{ ID: 1_000_000, RA: expect.any(Number), DEC: expect.any(Number), Z: expect.closeTo(1, 6), NAME: 'obj1000000' }]);
  });
});
