import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectTable } from '../inspect-table';
import { readTableRows } from '../read-table-rows';
import { sharedData } from '../test-support';
import { membersOf, syntheticCatalog, writeTarGz, writeZip, type Members } from './hats-fixtures';

const REAL = sharedData('hats/elaiss1oid_collection');
const MARGIN_PARTITIONS = [
  { order: 1, pixel: 5, rows: 2 },
  { order: 2, pixel: 44, rows: 1 },
];
/** A collection as hats-import lays it out: main catalog, a margin catalog, an index catalog. */
const collection = (options: { margins?: string; indexes?: string; skipMarginPartition?: number } = {}): Members => [
  ['coll/collection.properties', Buffer.from(`#HATS Collection\nobs_collection=synthetic_collection\nhats_primary_table_url=main\nall_margins=${options.margins ?? 'margin_5arcs'}\nall_indexes=${options.indexes ?? 'objid objid_index'}\n`)],
  ...syntheticCatalog('coll/main/', PARTITIONS),
  ...syntheticCatalog('coll/margin_5arcs/', MARGIN_PARTITIONS, {
    skipPartition: options.skipMarginPartition,
    extraProperties: { obs_collection: 'margin_5arcs', dataproduct_type: 'margin', hats_margin_threshold: '5.0', hats_primary_table_url: '../main' },
  }),
  ['coll/objid_index/properties', Buffer.from('#HATS catalog\nobs_collection=objid_index\ndataproduct_type=index\nhats_nrows=12\nhats_index_column=objid\n')],
];
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
    zip('margin.zip', membersOf(path.join(REAL, 'margin_10arcs'), 'margin_10arcs/'));
    zip('collection-synthetic.zip', collection());
    await writeTarGz(file('collection-synthetic.tar.gz'), collection());
    zip('collection-absent-margin.zip', collection({ margins: 'margin_5arcs margin_60arcs' }));
    zip('collection-margin-partition-absent.zip', collection({ skipMarginPartition: 1 }));
    zip('collection-odd-indexes.zip', collection({ indexes: 'objid' }));
    const corrupt = syntheticCatalog('cat/', PARTITIONS).map(([name, content]): [string, Buffer] => [name, name.endsWith('Npix=5.parquet') ? Buffer.from('PAR1 not really parquet PAR1') : content]);
    zip('corrupt-partition.zip', corrupt);
    const whole = readFileSync(zip('whole.zip', syntheticCatalog('cat/', PARTITIONS)));
    writeFileSync(file('truncated.zip'), whole.subarray(0, Math.floor(whole.length * 0.6)));
    await writeTarGz(file('whole.tar.gz'), syntheticCatalog('cat/', PARTITIONS));
    const tgz = readFileSync(file('whole.tar.gz'));
    writeFileSync(file('truncated.tar.gz'), tgz.subarray(0, Math.floor(tgz.length * 0.6)));
    zip('rows-without-partitions.zip', syntheticCatalog('cat/', [], { extraProperties: { hats_nrows: '5' } }));
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
      hats_catalog_type: 'object', hats_margin_threshold: null, hats_primary_catalog: null,
    });
    expect(JSON.parse(String(table.value.details.hats_catalogs))).toEqual([
      { kind: 'main', path: 'elaiss1oid_collection/catalog', name: 'catalog', rows: 478, partition_count: 1, margin_threshold_arcsec: null, index_column: null },
      { kind: 'margin', path: 'elaiss1oid_collection/margin_10arcs', name: 'margin_10arcs', rows: 0, partition_count: 0, margin_threshold_arcsec: 10, index_column: null },
    ]);
  });

  it('reads the real margin catalog uploaded on its own: a margin of 10", its primary catalog, no rows, the columns', async () => {
    const table = await inspect('margin.zip');
    if (!table.ok) throw new Error(table.error.message);
    expect([table.value.format, table.value.nRows, table.value.previewRows]).toEqual(['hats', 0, []]);
    expect(table.value.columns.slice(0, 4).map((c) => c.name)).toEqual(['_healpix_29', 'XMMES1', 'RAdeg', 'DEdeg']);
    expect(table.value.details).toMatchObject({
      hats_collection: false, hats_name: 'margin_10arcs', hats_catalog_type: 'margin', hats_margin_threshold: 10, hats_primary_catalog: 'catalog',
      hats_partition_count: 0, hats_partitions: '', hats_catalogs: null, preview_partition: null,
    });
  });

  it.each(['collection-synthetic.zip', 'collection-synthetic.tar.gz'])('lists the catalogs of a collection (%s): main, margin with its threshold and partitions, index with its column', async (name) => {
    const table = await inspect(name, 2);
    if (!table.ok) throw new Error(table.error.message);
    expect([table.value.nRows, table.value.previewRows.map((r) => r.objid)]).toEqual([12, [0, 1]]);
    expect(JSON.parse(String(table.value.details.hats_catalogs))).toEqual([
      { kind: 'main', path: 'coll/main', name: 'synthetic', rows: 12, partition_count: 3, margin_threshold_arcsec: null, index_column: null },
      { kind: 'margin', path: 'coll/margin_5arcs', name: 'margin_5arcs', rows: 3, partition_count: 2, margin_threshold_arcsec: 5, index_column: null },
      { kind: 'index', path: 'coll/objid_index', name: 'objid_index', rows: 12, partition_count: null, margin_threshold_arcsec: null, index_column: 'objid' },
    ]);
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
    ['truncated.zip', 'TABLE_ARCHIVE_INVALID', /zip archive/],
    ['truncated.tar.gz', 'TABLE_ARCHIVE_INVALID', /(tar\.gz|gzip|HATS) archive/],
    ['corrupt-partition.zip', 'TABLE_TRUNCATED', /HATS partition cat\/dataset\/Norder=1\/Dir=0\/Npix=5\.parquet: /],
  ])('refuses the damaged archive %s with a 4xx code naming the problem', async (name, code, message) => {
    const table = await inspect(name);
    expect(table.ok).toBe(false);
    if (table.ok) return;
    expect([table.error.code, table.error.message]).toEqual([code, expect.stringMatching(message)]);
  });

  it.each([
    ['no-properties.zip', /holds no hats\.properties or properties file/],
    ['absent-partition.zip', /lists 1 partition\(s\) that are not in the archive, the first being cat\/dataset\/Norder=2\/Dir=0\/Npix=45\.parquet/],
    ['slip.zip', /path leaves its directory \(\.\.\/\.\.\/evil\.txt\)/],
    ['collection-absent-margin.zip', /names the margin catalog "margin_60arcs", which has no hats\.properties or properties file in the archive/],
    ['collection-margin-partition-absent.zip', /margin catalog coll\/margin_5arcs lists a partition that is not in the archive: coll\/margin_5arcs\/dataset\/Norder=2\/Dir=0\/Npix=44\.parquet/],
    ['collection-odd-indexes.zip', /all_indexes does not hold pairs of column and index catalog/],
    ['rows-without-partitions.zip', /lists no partition/],
  ])('refuses %s, naming the problem', async (name, message) => {
    const table = await inspect(name);
    expect(table.ok).toBe(false);
    if (table.ok) return;
    expect(table.error.code).toBe('TABLE_ARCHIVE_INVALID');
    expect(table.error.message).toMatch(message);
  });
});
