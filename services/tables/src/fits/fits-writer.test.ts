import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readContext } from '../test-support';
import { readFitsTable } from './fits-table';
import { writeFitsTable } from './fits-writer';

describe('writeFitsTable', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pz-fits-writer-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes a standard, block-padded BINTABLE the reader reads back', async () => {
    const file = path.join(dir, 'written.fits');
    await writeFitsTable(file, {
      columns: [
        { name: 'ID', form: 'K' },
        { name: 'Z', form: 'E' },
        { name: 'RA', form: 'D' },
        { name: 'FLAG', form: 'I' },
        { name: 'OK', form: 'L' },
        { name: 'NAME', form: '6A' },
      ],
      nRows: 1000,
      cell: (row, column) => [BigInt(row) * 10n ** 12n, row / 4, row * 0.1, row % 7, row % 2 === 0, `s${row}`][column] ?? null,
      extname: 'WRITTEN',
    });
    expect((await stat(file)).size % 2880).toBe(0);
    const result = await readFitsTable(file, { offset: 998, limit: 5 }, readContext('written.fits'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.nRows).toBe(1000);
    expect(result.value.details['hdu_name']).toBe('WRITTEN');
    expect(result.value.rows).toEqual([
      { ID: '998000000000000', Z: 249.5, RA: expect.closeTo(99.8, 10), FLAG: 4, OK: true, NAME: 's998' },
      { ID: '999000000000000', Z: 249.75, RA: expect.closeTo(99.9, 10), FLAG: 5, OK: false, NAME: 's999' },
    ].map((row) => ({ ...row, ID: Number(row.ID) })));
  });
});
