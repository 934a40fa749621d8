import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, readContext } from '../test-support';
import { readCsvTable } from './csv-table';

const read = (name: string, offset = 0, limit = 100) => readCsvTable(fixture(name), { offset, limit }, readContext(name));

describe('readCsvTable', () => {
  it('reads a semicolon table with header, typed values and the dialect in details', async () => {
    const result = await read('semicolon.csv', 0, 2);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.nRows).toBe(12);
    expect(result.value.columns).toEqual([
      { name: 'id', type: 'int' },
      { name: 'ra', type: 'float' },
      { name: 'dec', type: 'float' },
      { name: 'z', type: 'float' },
      { name: 'good', type: 'bool' },
    ]);
    expect(result.value.rows).toEqual([
      { id: 1, ra: 278.624177, dec: -14.929442, z: 1.559, good: false },
      { id: 2, ra: 157.996238, dec: -2.406687, z: 0.3973, good: true },
    ]);
    expect(result.value.details).toEqual({ delimiter: ';', has_header: true });
  });

  it('reads tab-separated text', async () => {
    const result = await read('tab.tsv', 11, 5);
    expect(result.ok && result.value.details).toEqual({ delimiter: '\t', has_header: true });
    expect(result.ok && result.value.rows).toHaveLength(1);
  });

  it('names the columns of headerless tables 0..n-1, with whitespace runs as delimiter', async () => {
    for (const name of ['headerless.csv', 'whitespace-headerless.txt']) {
      const result = await read(name, 0, 1);
      expect(result.ok).toBe(true);
      if (!result.ok) continue;
      expect(result.value.columns.map((c) => c.name)).toEqual(['0', '1', '2', '3']);
      expect(result.value.nRows).toBe(12);
      expect(result.value.rows[0]).toEqual({ 0: 1, 1: 278.624177, 2: -14.929442, 3: 1.559 });
    }
    const whitespace = await read('whitespace-headerless.txt');
    expect(whitespace.ok && whitespace.value.details).toEqual({ delimiter: '\\s+', has_header: false });
  });

  it('keeps quoted delimiters and quotes inside fields', async () => {
    const result = await read('quoted.csv');
    expect(result.ok && result.value.rows[0]).toEqual({ id: 1, name: 'a, b', comment: 'said "hi"', z: 0.5 });
    expect(result.ok && result.value.rows[1]).toEqual({ id: 2, name: 'c', comment: null, z: null });
  });

  it('handles CRLF line ends and a header with no rows', async () => {
    const crlf = await read('crlf.csv');
    expect(crlf.ok && crlf.value.rows).toEqual([
      { id: 1, z: 0.1 },
      { id: 2, z: 0.2 },
    ]);
    const headerOnly = await read('header-only.csv');
    expect(headerOnly.ok && headerOnly.value.nRows).toBe(0);
    expect(headerOnly.ok && headerOnly.value.columns.map((c) => c.name)).toEqual(['id', 'ra', 'dec']);
  });

  it('rejects ragged rows, naming the line', async () => {
    const result = await read('ragged.csv');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('TABLE_UNREADABLE');
    expect(result.error.message).toContain('Line 3 has 2 fields');
  });

  it('takes names from a commented header', async () => {
    const result = await read('commented-header.txt');
    expect(result.ok && result.value.rows).toEqual([
      { id: 1, ra: 10.5, z: 0.25 },
      { id: 2, ra: 11, z: 0.5 },
    ]);
    expect(result.ok && result.value.details).toEqual({ delimiter: '\\s+', has_header: true, comment: '#' });
  });

  it('reports a quote that is never closed', async () => {
    const result = await read('unclosed-quote.csv');
    expect(!result.ok && result.error.code).toBe('TABLE_UNREADABLE');
    expect(!result.ok && result.error.message).toContain('Quote Not Closed');
  });

  it('rejects binary garbage and empty files', async () => {
    const garbage = await read('garbage.bin');
    expect(!garbage.ok && garbage.error.code).toBe('TABLE_UNREADABLE');
    expect(!garbage.ok && garbage.error.message).toContain('binary');
    const empty = await read('empty.csv');
    expect(!empty.ok && empty.error.code).toBe('TABLE_EMPTY');
  });

  describe('with the row count registry found (knownRowCount)', () => {
    // 600,000 good rows, then a line a full pass would refuse: the early stop shows in the answer.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pz-csv-known-'));
    const file = path.join(dir, 'long.csv');
    writeFileSync(file, `id,z\n${Array.from({ length: 600_000 }, (_, i) => `${i},0.${i}`).join('\n')}\n1,2,3\n`);
    const readLong = (offset: number, knownRowCount?: number) => {
      const meter = { bytesRead: 0, reads: 0 };
      const context = { ...readContext('long.csv'), meter, ...(knownRowCount === undefined ? {} : { knownRowCount }) };
      return readCsvTable(file, { offset, limit: 3 }, context).then((result) => ({ result, meter }));
    };

    it('stops after the window and the type sample, and reports the known count', async () => {
      const { result, meter } = await readLong(1200, 600_000);
      expect(result.ok && result.value.nRows).toBe(600_000);
      expect(result.ok && result.value.rows).toEqual([{ id: 1200, z: 0.12 }, { id: 1201, z: 0.1201 }, { id: 1202, z: 0.1202 }]);
      expect(meter.bytesRead).toBeLessThan(statSync(file).size / 2);
    });

    it('seeks a deep window with the row index the counting scan kept', async () => {
      const good = path.join(dir, 'good.csv');
      writeFileSync(good, `id,z\n${Array.from({ length: 600_000 }, (_, i) => `${i},0.${i}`).join('\n')}\n`);
      const counted = await readCsvTable(good, { offset: 0, limit: 1 }, readContext('good.csv'));
      const rowIndex = counted.ok ? counted.value.rowIndex : undefined;
      expect(counted.ok && counted.value.nRows).toBe(600_000);
      expect(rowIndex?.offsets.length).toBeGreaterThan(100);
      const meter = { bytesRead: 0, reads: 0 };
      const deep = await readCsvTable(good, { offset: 599_998, limit: 5 }, { ...readContext('good.csv'), meter, knownRowCount: 600_000, rowIndex });
      expect(deep.ok && deep.value.rows).toEqual([{ id: 599_998, z: 0.599998 }, { id: 599_999, z: 0.599999 }]);
      // The type sample from the top, then one indexed stretch: a few MB at most, not the file.
      expect(meter.bytesRead).toBeLessThan(statSync(good).size / 2);
    });

    it('reads to the end, and finds the bad line, without it', async () => {
      const { result } = await readLong(1200);
      expect(result.ok || result.error.message).toMatch(/has 3 fields where the table has 2 columns/);
      rmSync(dir, { recursive: true, force: true });
    });
  });
});
