import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { compileRecordScanWat, RECORD_SCAN_WASM } from '../../scripts/compile-record-scan-wasm';
import { DEFAULT_PLAIN_ENGINE, ROW_INDEX_EVERY, scanRecords, type ScanDialect } from './record-scan.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pz-record-scan-simd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNumber = 0;
const write = (content: string | Uint8Array): string => {
  const file = path.join(dir, `t${fileNumber++}.csv`);
  writeFileSync(file, content);
  return file;
};

/** A seeded generator, so a failing case can be replayed from its trial number. */
const generator = (seed: number) => {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return { chance: (p: number) => next() < p, below: (n: number) => Math.floor(next() * n), pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T };
};

const DELIMITERS = [',', ';', '\t'] as const;

/**
 * A delimited table that is mostly well formed, with the rare cases each loop must treat
 * exactly: blank lines, lone CRs, comments, ragged rows, trailing delimiters, quotes, non-ASCII
 * and (rarely) invalid UTF-8, rows of one field, a BOM, a missing final newline.
 */
function randomTable(random: ReturnType<typeof generator>, delimiter: string, rows: number): Uint8Array {
  const width = 1 + random.below(6);
  const rare = random.pick([0, 0.001, 0.005, 0.03]);
  const field = () => {
    if (random.chance(rare / 4)) return `"q${delimiter}x\n""y"""`;
    if (random.chance(rare)) return 'é';
    const length = random.below(random.chance(0.05) ? 40 : 12);
    let text = '';
    for (let k = 0; k < length; k++) text += random.pick(['0', '1', '7', '.', '-', 'e', 'a', ' ', '#']);
    return text;
  };
  const parts: Uint8Array[] = [];
  const push = (text: string) => parts.push(Buffer.from(text));
  if (random.chance(0.1)) push('\uFEFF');
  const crlf = random.chance(0.3);
  // At most one ragged row and one invalid byte per table, so most tables are scanned to the end.
  const raggedRow = random.chance(0.3) ? random.below(rows + 1) : -1;
  const invalidRow = random.chance(0.05) ? random.below(rows + 1) : -1;
  for (let row = 0; row < rows; row++) {
    let fields = width;
    if (row === raggedRow) fields += random.pick([-1, 1, 2]);
    let line = Array.from({ length: Math.max(fields, 1) }, field).join(delimiter);
    if (random.chance(rare / 3)) line = random.pick(['', '\r', '#', `# a${delimiter}comment`, `${line}${delimiter}`, `${line}${delimiter} `, `${line}${delimiter}x`]);
    if (row === invalidRow) parts.push(Buffer.from([0xe9]));
    push(line + (crlf || random.chance(rare) ? '\r\n' : '\n'));
  }
  if (random.chance(0.3)) push('last');
  return Buffer.concat(parts);
}

describe('the WebAssembly SIMD record scan', () => {
  it('is the default on this runtime', () => {
    expect(DEFAULT_PLAIN_ENGINE).toBe('simd');
  });

  it('is built from the committed .wat: the committed .wasm is what wat2wasm makes of it', async () => {
    expect(Buffer.from(await compileRecordScanWat()).equals(readFileSync(RECORD_SCAN_WASM))).toBe(true);
  });

  it('agrees with the JavaScript word loop on random tables, cut at random buffer sizes', () => {
    for (let trial = 0; trial < 400; trial++) {
      const random = generator(trial + 1);
      const delimiter = random.pick(DELIMITERS);
      const content = randomTable(random, delimiter, random.below(random.chance(0.1) ? 6000 : 200));
      const file = write(content);
      const dialect: ScanDialect = { delimiter, hasComments: random.chance(0.5) };
      const headerRecords = random.below(2);
      const bufferBytes = random.pick([64, 128, 1024, 1 << 16]) + 4 * random.below(64);
      const words = scanRecords(file, dialect, { headerRecords, bufferBytes, engine: 'words' });
      const simd = scanRecords(file, dialect, { headerRecords, bufferBytes, engine: 'simd' });
      expect({ trial, outcome: simd }).toEqual({ trial, outcome: words });
    }
  });

  it('agrees with the JavaScript word loop on long well-formed tables, row index included', () => {
    for (let trial = 0; trial < 6; trial++) {
      const random = generator(1000 + trial);
      const width = 1 + random.below(8);
      const rows = Array.from({ length: ROW_INDEX_EVERY * 3 + random.below(ROW_INDEX_EVERY) }, (_, i) =>
        Array.from({ length: width }, (_, k) => (k === 0 ? String(i) : String(random.below(10 ** random.below(9))))).join(','),
      );
      const file = write(`${['id', ...Array.from({ length: width - 1 }, (_, k) => `c${k}`)].join(',')}\n${rows.join('\n')}\n`);
      const bufferBytes = 4096 + 4 * random.below(512);
      const words = scanRecords(file, { delimiter: ',', hasComments: false }, { headerRecords: 1, bufferBytes, engine: 'words' });
      const simd = scanRecords(file, { delimiter: ',', hasComments: false }, { headerRecords: 1, bufferBytes, engine: 'simd' });
      expect(simd).toEqual(words);
      expect(simd).toMatchObject({ ok: true, records: rows.length + 1, width });
    }
  });
});

describe('without WebAssembly SIMD', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.resetModules();
  });

  it('falls back to the JavaScript word loop, and refuses to be forced onto SIMD', async () => {
    // Node's types declare WebAssembly as a namespace only; the runtime object is what the scan asks.
    const webAssembly = Reflect.get(globalThis, 'WebAssembly') as { validate: (bytes: Uint8Array) => boolean };
    vi.spyOn(webAssembly, 'validate').mockReturnValue(false);
    vi.resetModules();
    const fresh = await import('./record-scan.mjs');
    expect(fresh.DEFAULT_PLAIN_ENGINE).toBe('words');
    const file = write('id,z\n1,0.1\n\n2,0.2\n3\n');
    expect(fresh.scanRecords(file, { delimiter: ',', hasComments: false }, { headerRecords: 1 })).toMatchObject({ ok: false, kind: 'ragged', line: 5 });
    expect(() => fresh.scanRecords(file, { delimiter: ',', hasComments: false }, { engine: 'simd' })).toThrow(/no WebAssembly SIMD/);
  });
});
