import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readContext } from '../test-support';
import { sniffCsvDialect } from './csv-dialect';
import { readCsvTable } from './csv-table';

/**
 * Whitespace-delimited `.txt` tables with a text column (issue 15): a text value holding `;` or
 * `,` in every row splits every line alike on that character too; the delimiter that gives
 * numeric columns wins, so the column count and the header decision come out right.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'pz-txt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readText = async (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  const result = await readCsvTable(file, { offset: 0, limit: 10 }, readContext(name));
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
};

describe('whitespace .txt tables with a text column', () => {
  it('headerless, the text column holding ";" in every row: 3 columns, no header', async () => {
    expect(sniffCsvDialect('1 0.5 ok;good\n2 0.7 bad;poor\n')).toMatchObject({ delimiter: 'whitespace', hasHeader: false });
    const table = await readText('flags.txt', '1 0.5 ok;good\n2 0.7 bad;poor\n3 0.9 ok;fair\n');
    expect(table.columns.map((c) => c.name)).toEqual(['0', '1', '2']);
    expect(table.nRows).toBe(3);
    expect(table.details).toEqual({ delimiter: '\\s+', has_header: false });
    expect(table.rows[0]).toEqual({ 0: 1, 1: 0.5, 2: 'ok;good' });
  });

  it('headerless, the text column holding "," in every row (survey names): 4 columns, no header', async () => {
    const table = await readText('surveys.txt', '101 30.5 0.161 VVDS,DR2\n102 30.6 0.095 2dF,final\n');
    expect(table.columns).toEqual([{ name: '0', type: 'int' }, { name: '1', type: 'float' }, { name: '2', type: 'float' }, { name: '3', type: 'string' }]);
    expect(table.nRows).toBe(2);
  });

  it('with a header and a text column first (object names): header kept, 5 columns', async () => {
    const table = await readText('named.txt', 'name ra dec z survey\nJ0001+02 10.5 -3.2 0.5 VVDS\nJ0002-03 11.0 -3.0 0.7 2dF\n');
    expect(table.details).toEqual({ delimiter: '\\s+', has_header: true });
    expect(table.columns.map((c) => c.name)).toEqual(['name', 'ra', 'dec', 'z', 'survey']);
    expect(table.nRows).toBe(2);
  });

  it('headerless with the text column first: no header, 4 columns', async () => {
    const table = await readText('first.txt', 'VVDS 10.5 -3.2 0.5\nDEEP2 11.0 -3.0 0.7\n');
    expect(table.details).toEqual({ delimiter: '\\s+', has_header: false });
    expect(table.columns.map((c) => c.name)).toEqual(['0', '1', '2', '3']);
    expect(table.nRows).toBe(2);
  });

  it('a comma CSV whose text holds spaces stays a comma CSV', () => {
    expect(sniffCsvDialect('name,z\nNGC 1,0.1\nM 31,0.2\n')).toMatchObject({ delimiter: ',', hasHeader: true });
    expect(sniffCsvDialect('id,z,comment\n1,0.5,ok;good\n2,0.7,bad;poor\n')).toMatchObject({ delimiter: ',', hasHeader: true });
  });
});
