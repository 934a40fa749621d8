import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import type { FileRangeReader } from '../file-range-reader';
import { inspectTable } from '../inspect-table';
import { readTableRows } from '../read-table-rows';
import { fixture, sharedData } from '../test-support';
import { checkPageHeaders } from './page-header-check';

const memoryReader = (bytes: Uint8Array): FileRangeReader => ({
  size: bytes.length,
  read: (offset, length) => Promise.resolve(bytes.subarray(offset, Math.min(bytes.length, offset + length))),
  close: () => Promise.resolve(),
});
const metadataOf = (bytes: Uint8Array) => parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
const check = (bytes: Uint8Array) => checkPageHeaders(memoryReader(bytes), metadataOf(bytes));

const scratch = mkdtempSync(path.join(tmpdir(), 'pz-page-headers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * small.parquet with one byte of the first page header of its SECOND row group changed, so that
 * the first page of rows (what registry used to decode) stays readable: the review's finding.
 */
function laterRowGroupMutant(): Uint8Array {
  const original = new Uint8Array(readFileSync(fixture('small.parquet')));
  const second = metadataOf(original).row_groups[1]?.columns[0]?.meta_data;
  if (!second) throw new Error('small.parquet has two row groups');
  const start = Number(second.dictionary_page_offset || second.data_page_offset);
  for (let at = start; at < start + 16; at++) {
    for (const flip of [0x40, 0x7f, 0x01]) {
      const mutant = original.slice();
      mutant[at] = (mutant[at] ?? 0) ^ flip;
      try {
        metadataOf(mutant);
        return mutant;
      } catch {
        // The footer must stay readable: try the next change.
      }
    }
  }
  throw new Error('no mutant found');
}

describe('checkPageHeaders', () => {
  it('passes every real Parquet file of shared/data and the fixtures', async () => {
    const real = readdirSync(sharedData('.'), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.parquet'));
    expect(real.length).toBeGreaterThan(0);
    for (const name of [...real.map((n) => sharedData(n)), fixture('small.parquet')]) {
      expect(await check(new Uint8Array(readFileSync(name))), name).toBeNull();
    }
  });

  it('finds the fuzzer-found hostile page header', async () => {
    const problem = await check(new Uint8Array(readFileSync(fixture('hostile-page-header.parquet'))));
    expect(problem?.code).toBe('TABLE_UNREADABLE');
    expect(problem?.message).toMatch(/page headers are corrupt: column "name" of row group 0/);
  });

  it('makes registry refuse a file whose hostile header sits in a later row group, which a first page alone never shows', async () => {
    const mutant = laterRowGroupMutant();
    const file = path.join(scratch, 'later-group.parquet');
    writeFileSync(file, mutant);
    const firstPage = await readTableRows(file, { fileName: 'later-group.parquet', offset: 0, limit: 5 });
    expect(firstPage.ok).toBe(true);
    const inspected = await inspectTable(file, { fileName: 'later-group.parquet', previewRows: 5 });
    expect(!inspected.ok && inspected.error.code).toBe('TABLE_UNREADABLE');
    expect(!inspected.ok && inspected.error.message).toMatch(/row group 1/);
  });
});
