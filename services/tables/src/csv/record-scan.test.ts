import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { ROW_INDEX_EVERY, scanRecords, type PlainEngine, type ScanDialect } from './record-scan.mjs';
import { scanRecordsInWorker } from './scan-records-in-worker';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pz-record-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNumber = 0;
const write = (content: string | Uint8Array): string => {
  const file = path.join(dir, `t${fileNumber++}.csv`);
  writeFileSync(file, content);
  return file;
};

const COMMA: ScanDialect = { delimiter: ',', hasComments: false };
// Small buffers make records cross buffer boundaries in files of a few hundred bytes.
const SIZES = [64, 68, 128, 1024, undefined];
// Every case runs through the WebAssembly SIMD loop and through the JavaScript one it falls back to.
const ENGINES: PlainEngine[] = ['simd', 'words'];

const scan = (content: string | Uint8Array, dialect: ScanDialect = COMMA, headerRecords = 1) => {
  const file = write(content);
  return ENGINES.flatMap((engine) => SIZES.map((bufferBytes) => scanRecords(file, dialect, { headerRecords, engine, ...(bufferBytes ? { bufferBytes } : {}) })));
};

const expectAll = (content: string | Uint8Array, expected: object, dialect?: ScanDialect, headerRecords?: number) => {
  for (const outcome of scan(content, dialect, headerRecords)) expect(outcome).toMatchObject(expected);
};

describe('scanRecords', () => {
  it('counts records, with or without a final newline, skipping blank lines', () => {
    expectAll('id,z\n1,0.1\n2,0.2\n', { ok: true, records: 3, width: 2 });
    expectAll('id,z\n1,0.1\n2,0.2', { ok: true, records: 3, width: 2 });
    expectAll('id,z\n\n1,0.1\n\r\n2,0.2\n\n\n\n', { ok: true, records: 3, width: 2 });
  });

  it('reads CRLF line ends and skips a BOM', () => {
    expectAll('\uFEFFid,z\r\n1,0.1\r\n2,0.2\r\n', { ok: true, records: 3, width: 2, rowIndex: [9] });
  });

  it('keeps delimiters and newlines inside quotes, and "" as a literal quote', () => {
    expectAll('id,name,z\n1,"a, b\nc",0.5\n2,"said ""hi""",0.6\n3,"x\r\n\ny",1\n', { ok: true, records: 4, width: 3 });
  });

  it('finds a ragged row and names its line', () => {
    expectAll('id,ra,dec\n1,10.0,20.0\n2,11.0\n3,12.0,22.0\n', { ok: false, kind: 'ragged', line: 3, fields: 2, width: 3 });
    expectAll('id,ra,dec\n1,"10,0",20.0\n2,"11.0\n",5,6\n', { ok: false, kind: 'ragged', line: 4, fields: 4 });
  });

  it('accepts a trailing delimiter with nothing after it', () => {
    expectAll('id,z\n1,2,\n3,4, \n', { ok: true, records: 3 });
    expectAll('id,z\n1,2,x\n', { ok: false, kind: 'ragged' });
  });

  it('skips comment lines when the dialect has them, quotes in them included', () => {
    expectAll('# a "comment, with\n# x,y\nid,z\n1,2\n', { ok: true, records: 2 }, { delimiter: ',', hasComments: true });
    expectAll('# x,y,w\nid,z\n1,2\n', { ok: false, kind: 'ragged' });
  });

  it('refuses text that is not UTF-8, naming the line', () => {
    const latin1 = Buffer.concat([Buffer.from('id,name\n1,abc\n2,'), Buffer.from([0xe9, 0x74, 0xe9]), Buffer.from('\n')]);
    expectAll(latin1, { ok: false, kind: 'utf8', line: 3 });
  });

  it('reports a quote that is never closed', () => {
    expectAll('id,name\n1,"abc\n2,def\n', { ok: false, kind: 'quote' });
  });

  it('counts whitespace-separated tokens, quoted ones and non-ASCII ones included', () => {
    const ws: ScanDialect = { delimiter: 'whitespace', hasComments: true };
    expectAll('# id name z\n  1   abc 0.5\n2\t"x y" 0.6  \n\n3 é 1\n', { ok: true, records: 3, width: 3 }, ws, 0);
    expectAll('1 2 3\n4 5\n', { ok: false, kind: 'ragged', line: 2, fields: 2 }, ws, 0);
  });

  it('keeps the byte offset of every ROW_INDEX_EVERY-th data row', () => {
    const rows = Array.from({ length: ROW_INDEX_EVERY * 2 + 5 }, (_, i) => `${i},${i % 7}`);
    const text = `id,z\n${rows.join('\n')}\n`;
    const outcomes = scan(text);
    for (const outcome of outcomes) {
      expect(outcome?.ok && outcome.records).toBe(rows.length + 1);
      const offsets = outcome?.ok ? outcome.rowIndex : [];
      expect(offsets).toHaveLength(3);
      for (const [k, offset] of offsets.entries()) expect(text.slice(offset, text.indexOf('\n', offset))).toBe(rows[k * ROW_INDEX_EVERY]);
    }
  });

  it('agrees with csv-parse on generated tables with quotes, CRLF and blank lines', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const cell = () => {
      const r = random();
      if (r < 0.1) return `"q,${Math.floor(random() * 100)}\n""x"""`;
      if (r < 0.2) return '';
      return String(Math.floor(random() * 1e6));
    };
    for (let trial = 0; trial < 20; trial++) {
      const eol = trial % 2 ? '\r\n' : '\n';
      const lines = ['a,b,c'];
      for (let i = 0; i < 40; i++) lines.push(random() < 0.05 ? '' : [cell(), cell(), cell()].join(','));
      const text = lines.join(eol) + (trial % 3 ? eol : '');
      const records = (parse(text, { skip_empty_lines: true, relax_quotes: true }) as string[][]).length;
      expectAll(text, { ok: true, records, width: 3 });
    }
  });

  it('runs in a worker thread, telling its progress', async () => {
    const file = write(`id,z\n${Array.from({ length: 1000 }, (_, i) => `${i},0.5`).join('\n')}\n`);
    const seen: number[] = [];
    const outcome = await scanRecordsInWorker({ filePath: file, dialect: COMMA, headerRecords: 1 }, (bytes) => seen.push(bytes));
    expect(outcome).toMatchObject({ ok: true, records: 1001, width: 2 });
    expect(seen.at(-1)).toBe(outcome.ok ? outcome.bytes : -1);
  });
});
