import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectTable } from '../inspect-table';
import { readTableRows } from '../read-table-rows';
import { sharedData } from '../test-support';
import { membersOf, syntheticCatalog, writeTarGz, writeZip, type Members } from './hats-fixtures';

const REAL = sharedData('hats/elaiss1oid_collection');
const PARTITIONS = [
  { order: 1, pixel: 5, rows: 4 },
  { order: 2, pixel: 44, rows: 3 },
  { order: 2, pixel: 45, rows: 5 },
];

describe('HATS catalogs uploaded as archives', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  const zip = (name: string, members: Members) => {
    writeZip(file(name), members);
    return file(name);
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hats-test-'));
    zip('collection.zip', membersOf(REAL, 'elaiss1oid_collection/'));
    await writeTarGz(file('catalog.tar.gz'), membersOf(path.join(REAL, 'catalog'), 'catalog/'));
    zip('synthetic.zip', syntheticCatalog('', PARTITIONS));
    zip('no-properties.zip', syntheticCatalog('cat/', PARTITIONS, { properties: false }));
    zip('absent-partition.zip', syntheticCatalog('cat/', PARTITIONS, { skipPartition: 2 }));
    zip('slip.zip', [...syntheticCatalog('cat/', PARTITIONS), ['../../evil.txt', Buffer.from('x')]]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const inspect = (name: string, previewRows = 5) => inspectTable(file(name), { fileName: name, previewRows });

  it('reads the real collection zipped: properties, columns from _common_metadata, rows, a ZSTD partition previewed', async () => {
    const table = await inspect('collection.zip');
    if (!table.ok) throw new Error(table.error.message);
    expect(table.value.format).toBe('hats');
    expect(table.value.nRows).toBe(478);
    expect(table.value.columns.slice(0, 4).map((c) => c.name)).toEqual(['_healpix_29', 'XMMES1', 'RAdeg', 'DEdeg']);
    expect(table.value.previewRows).toHaveLength(5);
    expect(typeof table.value.previewRows[0]?.RAdeg).toBe('number');
    expect(table.value.details).toMatchObject({
      archive_format: 'zip', hats_collection: true, hats_catalog_path: 'elaiss1oid_collection/catalog', hats_name: 'catalog',
      hats_ra_column: 'RAdeg', hats_dec_column: 'DEdeg', hats_orders: '2', hats_partition_count: 1, hats_partitions: '2/138',
      hats_margins: 'margin_10arcs', preview_partition: 'elaiss1oid_collection/catalog/dataset/Norder=2/Dir=0/Npix=138.parquet',
    });
  });

  it('reads a catalog as tar.gz, and pages its rows', async () => {
    const table = await inspect('catalog.tar.gz', 2);
    expect(table.ok && [table.value.format, table.value.nRows, table.value.details.archive_format]).toEqual(['hats', 478, 'tar.gz']);
    const page = await readTableRows(file('catalog.tar.gz'), { fileName: 'catalog.tar.gz', offset: 470, limit: 20 });
    expect(page.ok && [page.value.count, page.value.rows.length]).toEqual([478, 8]);
  });

  it('reads a catalog of several partitions and orders: count from the properties, partitions listed in order', async () => {
    const table = await inspect('synthetic.zip', 3);
    if (!table.ok) throw new Error(table.error.message);
    expect(table.value.nRows).toBe(12);
    expect(table.value.columns.map((c) => c.name)).toEqual(['_healpix_29', 'objid', 'ra', 'dec', 'redshift']);
    expect(table.value.previewRows.map((r) => r.objid)).toEqual([0, 1, 2]);
    expect(table.value.details).toMatchObject({ hats_collection: false, hats_orders: '1,2', hats_partition_count: 3, hats_partitions: '1/5 2/44 2/45', hats_partitions_truncated: false });
    // No _metadata here: a page across partitions opens them in order, each footer giving its rows.
    const page = await readTableRows(file('synthetic.zip'), { fileName: 'synthetic.zip', offset: 3, limit: 6 });
    expect(page.ok && [page.value.count, page.value.rows.map((r) => r.objid)]).toEqual([12, [3, 4, 5, 6, 7, 8]]);
  });

  it.each([
    ['no-properties.zip', /holds no hats\.properties or properties file/],
    ['absent-partition.zip', /lists 1 partition\(s\) that are not in the archive, the first being cat\/dataset\/Norder=2\/Dir=0\/Npix=45\.parquet/],
    ['slip.zip', /path leaves its directory \(\.\.\/\.\.\/evil\.txt\)/],
  ])('refuses %s, naming the problem', async (name, message) => {
    const table = await inspect(name);
    expect(table.ok).toBe(false);
    if (table.ok) return;
    expect(table.error.code).toBe('TABLE_ARCHIVE_INVALID');
    expect(table.error.message).toMatch(message);
  });
});
