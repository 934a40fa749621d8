import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { configureTableReaders, DEFAULT_TABLE_READER_LIMITS } from '../reader-limits';
import { readContext } from '../test-support';
import { readFitsTable } from './fits-table';

const BLOCK = 2880;
const card = (text: string) => text.padEnd(80, ' ');
const header = (cards: string[]): Buffer => {
  const text = [...cards, 'END'].map(card).join('');
  return Buffer.from(text.padEnd(Math.ceil(text.length / BLOCK) * BLOCK, ' '), 'latin1');
};
const primary = header(['SIMPLE  =                    T', 'BITPIX  =                    8', 'NAXIS   =                    0', 'EXTEND  =                    T']);
const emptyImage = header(["XTENSION= 'IMAGE   '", 'BITPIX  =                    8', 'NAXIS   =                    0', 'PCOUNT  =                    0', 'GCOUNT  =                    1']);
const wideTable = (rowBytes: number, rows: number): Buffer => {
  const cards = ["XTENSION= 'BINTABLE'", 'BITPIX  =                    8', 'NAXIS   =                    2', `NAXIS1  = ${String(rowBytes).padStart(20)}`, `NAXIS2  = ${String(rows).padStart(20)}`, 'PCOUNT  =                    0', 'GCOUNT  =                    1', 'TFIELDS =                    1', `TFORM1  = '${rowBytes}A'`, "TTYPE1  = 'WIDE'"];
  const data = Buffer.alloc(Math.ceil((rowBytes * rows) / BLOCK) * BLOCK, 0x41);
  return Buffer.concat([header(cards), data]);
};

const scratch = mkdtempSync(path.join(tmpdir(), 'pz-fits-limits-'));
const file = (name: string, bytes: Buffer) => {
  const at = path.join(scratch, name);
  writeFileSync(at, bytes);
  return at;
};
afterEach(() => configureTableReaders(DEFAULT_TABLE_READER_LIMITS));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('FITS limits', () => {
  it('stops walking headers past fitsMaxHeaderBytes, all HDUs together', async () => {
    configureTableReaders({ fitsMaxHeaderBytes: 50 * BLOCK });
    const many = file('many-hdus.fits', Buffer.concat([primary, ...Array.from({ length: 100 }, () => emptyImage)]));
    const result = await readFitsTable(many, { offset: 0, limit: 10 }, readContext('many-hdus.fits'));
    expect(!result.ok && result.error.code).toBe('TABLE_LIMIT_EXCEEDED');
    expect(!result.ok && result.error.message).toMatch(/longer than the 144000 bytes/);
  });

  it('refuses a window of rows wider than maxWindowBytes, before reading it', async () => {
    configureTableReaders({ maxWindowBytes: 100_000 });
    const wide = file('wide.fits', Buffer.concat([primary, wideTable(10_000, 20)]));
    const refused = await readFitsTable(wide, { offset: 0, limit: 20 }, readContext('wide.fits'));
    expect(!refused.ok && refused.error.code).toBe('TABLE_LIMIT_EXCEEDED');
    const fewer = await readFitsTable(wide, { offset: 0, limit: 5 }, readContext('wide.fits'));
    expect(fewer.ok && fewer.value.rows).toHaveLength(5);
  });
});
