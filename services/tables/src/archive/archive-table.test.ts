import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectTable } from '../inspect-table';
import { readTableRows } from '../read-table-rows';
import { fixture } from '../test-support';

const inspect = (name: string, maxExtractedBytes?: number) => inspectTable(fixture(name), { fileName: name, previewRows: 2, maxExtractedBytes });

// Only this test file extracts archives, so no other test creates these directories meanwhile.
const leftoverTempDirs = async () => (await readdir(tmpdir())).filter((name) => name.startsWith('pz-tables-'));

describe('tables inside archives', () => {
  it('reads the one table of a zip, skipping directories and macOS resource forks', async () => {
    const result = await inspect('table.zip');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.format).toBe('csv');
    expect(result.value.nRows).toBe(12);
    expect(result.value.details).toEqual({ delimiter: ';', has_header: true, archive_member: 'export/catalog.csv', archive_format: 'zip' });
  });

  it('pages rows of an archived table', async () => {
    const page = await readTableRows(fixture('table.tar.gz'), { fileName: 'table.tar.gz', offset: 10, limit: 5 });
    expect(page.ok && page.value.count).toBe(12);
    expect(page.ok && page.value.rows.map((row) => row['ID'])).toEqual([11, 12]);
  });

  it('reads the one table of a tar.gz and of a gzipped file', async () => {
    const tar = await inspect('table.tar.gz');
    expect(tar.ok && tar.value.format).toBe('fits');
    expect(tar.ok && tar.value.details).toMatchObject({ archive_member: './release/catalog.fits', archive_format: 'tar.gz', hdu_name: 'CATALOG' });
    const gzip = await inspect('catalog.csv.gz');
    expect(gzip.ok && gzip.value.details).toMatchObject({ archive_member: 'catalog.csv', archive_format: 'gzip' });
  });

  it('hands the extracted member to the caller before removing it, once the member reads as a table', async () => {
    const seen: { memberName: string; archiveFormat: string; bytes: number }[] = [];
    const result = await inspectTable(fixture('catalog.csv.gz'), {
      fileName: 'catalog.csv.gz',
      onArchiveMember: async (member) => {
        seen.push({ memberName: member.memberName, archiveFormat: member.archiveFormat, bytes: (await readFile(member.filePath)).length });
      },
    });
    expect(result.ok).toBe(true);
    expect(seen).toEqual([{ memberName: 'catalog.csv', archiveFormat: 'gzip', bytes: expect.any(Number) }]);
    expect(seen[0]?.bytes).toBeGreaterThan(100);
  });

  it('refuses archives with several tables or none', async () => {
    for (const name of ['two-tables.zip', 'two-tables.tgz']) {
      const result = await inspect(name);
      expect(!result.ok && result.error.code).toBe('TABLE_ARCHIVE_INVALID');
      expect(!result.ok && result.error.message).toContain('2 tables (a.csv, b.fits)');
    }
    const none = await inspect('no-table.zip');
    expect(!none.ok && none.error.code).toBe('TABLE_ARCHIVE_INVALID');
    expect(!none.ok && none.error.message).toContain('no table');
  });

  it('reports a truncated zip', async () => {
    const result = await inspect('truncated.zip');
    expect(!result.ok && result.error.code).toBe('TABLE_ARCHIVE_INVALID');
  });

  it('stops a zip bomb at the expansion cap', async () => {
    const result = await inspect('bomb.zip');
    expect(!result.ok && result.error.code).toBe('TABLE_ARCHIVE_TOO_LARGE');
  });

  it('applies the absolute cap given in the options', async () => {
    const result = await inspect('table.tar.gz', 1000);
    expect(!result.ok && result.error.code).toBe('TABLE_ARCHIVE_TOO_LARGE');
  });

  it('ignores member paths, so ../ cannot escape the temporary directory', async () => {
    const before = await leftoverTempDirs();
    const result = await inspect('evil-path.zip');
    expect(result.ok && result.value.details['archive_member']).toBe('../../escaped.csv');
    for (const escaped of [path.resolve(tmpdir(), '..', 'escaped.csv'), path.join(tmpdir(), 'escaped.csv')]) {
      expect(existsSync(escaped)).toBe(false);
    }
    expect(await leftoverTempDirs()).toEqual(before);
  });
});
