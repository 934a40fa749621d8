import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTarGz, writeZip, type Members } from '../hats/hats-fixtures';
import { inspectTable } from '../inspect-table';
import { readTableRows } from '../read-table-rows';
import { fixture } from '../test-support';

/** The VOTables astropy wrote (generate_votable_fixtures.py), packed the ways people ship them. */
const binary2 = readFileSync(fixture('binary2.vot'));
const tabledata = readFileSync(fixture('tabledata.vot'));
const csv = Buffer.from('id,ra,dec\n1,10.5,-3.2\n2,11.5,-4.2\n');

async function writeTar(file: string, members: Members): Promise<void> {
  const tar = pack();
  for (const [name, content] of members) tar.entry({ name }, content);
  tar.finalize();
  await pipeline(tar, createWriteStream(file));
}

describe('VOTables inside archives', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  const inspect = (name: string) => inspectTable(file(name), { fileName: name, previewRows: 3 });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'votable-archives-'));
    writeZip(file('survey.zip'), [['export/survey.vot', binary2], ['__MACOSX/export/._survey.vot', Buffer.from('junk')]]);
    writeZip(file('catalog-xml.zip'), [['catalog.xml', tabledata]]);
    writeZip(file('csv-with-manifest.zip'), [['manifest.xml', Buffer.from('<manifest/>')], ['data.csv', csv]]);
    writeZip(file('two-votables.zip'), [['a.vot', tabledata], ['b.vot', binary2]]);
    writeZip(file('not-votable.zip'), [['notes.xml', Buffer.from('<notes><note>hello</note></notes>')]]);
    await writeTar(file('survey.tar'), [['release/catalog.xml', tabledata]]);
    await writeTar(file('manifest-first.tar'), [['manifest.xml', Buffer.from('<manifest/>')], ['data.csv', csv]]);
    await writeTarGz(file('survey.tar.gz'), [['survey.vot', binary2]]);
    writeFileSync(file('survey.vot.gz'), gzipSync(binary2));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['survey.zip', 'export/survey.vot', 'zip', 'BINARY2'],
    ['catalog-xml.zip', 'catalog.xml', 'zip', 'TABLEDATA'],
    ['survey.tar', 'release/catalog.xml', 'tar', 'TABLEDATA'],
    ['survey.tar.gz', 'survey.vot', 'tar.gz', 'BINARY2'],
    ['survey.vot.gz', 'survey.vot', 'gzip', 'BINARY2'],
  ])('reads the VOTable in %s like a bare one: fields with units and UCDs, rows, preview', async (name, member, archiveFormat, serialization) => {
    const table = await inspect(name);
    if (!table.ok) throw new Error(table.error.message);
    expect(table.value.format).toBe('votable');
    expect(table.value.nRows).toBe(7);
    expect(table.value.columns[1]).toEqual({ name: 'RAJ2000', type: 'float64', unit: 'deg', ucd: 'pos.eq.ra;meta.main' });
    expect(table.value.previewRows.map((r) => r.objid)).toEqual([100, 101, 102]);
    expect(table.value.details).toMatchObject({ archive_member: member, archive_format: archiveFormat, serialization });
  });

  it('pages the rows of an archived VOTable', async () => {
    const page = await readTableRows(file('survey.tar.gz'), { fileName: 'survey.tar.gz', offset: 5, limit: 10 });
    expect(page.ok && [page.value.count, page.value.rows.map((r) => r.objid)]).toEqual([7, [105, 106]]);
  });

  it.each(['csv-with-manifest.zip', 'manifest-first.tar'])('takes a .xml member for a sidecar when %s holds another table', async (name) => {
    const table = await inspect(name);
    if (!table.ok) throw new Error(table.error.message);
    expect([table.value.format, table.value.nRows, table.value.details.archive_member]).toEqual(['csv', 2, 'data.csv']);
  });

  it('refuses two VOTables, and an .xml that is not a VOTable, naming the problem', async () => {
    const two = await inspect('two-votables.zip');
    expect(!two.ok && [two.error.code, two.error.message]).toEqual(['TABLE_ARCHIVE_INVALID', expect.stringContaining('2 tables (a.vot, b.vot)')]);
    const notes = await inspect('not-votable.zip');
    expect(notes.ok).toBe(false);
    expect(!notes.ok && notes.error.message).toMatch(/^Archive member notes\.xml: /);
  });
});
