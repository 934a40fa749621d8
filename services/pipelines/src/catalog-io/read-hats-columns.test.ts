import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import { membersOf, syntheticCatalog, writeTarGz, writeZip } from '@pz/tables/hats/hats-fixtures';
import { PARQUET_COMPRESSORS } from '@pz/tables/parquet/parquet-compressors';
import { makeTrainingSet } from '../training-set/make-training-set';
import { readAllTableColumns, readTableColumns } from './read-table-columns';

const scratch = mkdtempSync(path.join(tmpdir(), 'pz-hats-input-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ARCSEC = 1 / 3600;
const COLLECTION = fileURLToPath(new URL('../../../../../shared/data/hats/elaiss1oid_collection/', import.meta.url));
const ELAIS_PARTITION = path.join(COLLECTION, 'catalog/dataset/Norder=2/Dir=0/Npix=138.parquet');

/** Three partitions over two orders (3 + 4 + 5 rows): object `objid` n sits at (10 + n/10, -20 - n/10). */
const PARTITIONS = [{ order: 1, pixel: 5, rows: 3 }, { order: 1, pixel: 7, rows: 4 }, { order: 2, pixel: 100, rows: 5 }];

function references(file: string, rows: { id: string; ra: number; dec: number }[]): string {
  const target = path.join(scratch, file);
  writeFileSync(target, `ID,RA,DEC,Z\n${rows.map((r, i) => `${r.id},${r.ra},${r.dec},${0.1 + i / 100}`).join('\n')}\n`);
  return target;
}

describe('HATS catalogs as pipeline inputs', () => {
  it('reads the asked-for columns of every partition, in (order, pixel) order, from a zip and a tar.gz', async () => {
    const zip = path.join(scratch, 'synthetic.zip');
    writeZip(zip, syntheticCatalog('synthetic/', PARTITIONS));
    const tgz = path.join(scratch, 'synthetic.tar.gz');
    await writeTarGz(tgz, syntheticCatalog('synthetic/', PARTITIONS));
    for (const file of [zip, tgz]) {
      const read = await readTableColumns(file, ['objid', 'ra', 'absent'], 'objects');
      if (!read.ok) throw new Error(read.error.message);
      expect(read.value.rowCount).toBe(12);
      expect(Array.from(read.value.columns.get('objid') ?? [], Number)).toEqual(Array.from({ length: 12 }, (_, i) => i));
      expect(Array.from(read.value.columns.get('ra') ?? [])).toEqual(Array.from({ length: 12 }, (_, i) => 10 + i / 10));
      expect(read.value.columns.has('absent')).toBe(false);
      const all = await readAllTableColumns(file, 'objects');
      if (!all.ok) throw new Error(all.error.message);
      expect([...all.value.columns.keys()]).toEqual(['_healpix_29', 'objid', 'ra', 'dec', 'redshift']);
    }
  });

  it('refuses an archive that is not a HATS catalog, and one whose partition is not Parquet', async () => {
    const other = path.join(scratch, 'other.zip');
    writeZip(other, [['table.csv', Buffer.from('a,b\n1,2\n')]]);
    const read = await readTableColumns(other, ['a'], 'other');
    expect(read.ok ? null : read.error.code).toBe('INPUT_FORMAT_UNSUPPORTED');
    const broken = path.join(scratch, 'broken.zip');
    const members = syntheticCatalog('broken/', PARTITIONS).map(([name, content]): [string, Buffer] => [name, name.endsWith('Npix=7.parquet') ? Buffer.from('not parquet') : content]);
    writeZip(broken, members);
    const failed = await readTableColumns(broken, ['ra'], 'broken');
    expect(failed.ok ? null : failed.error).toMatchObject({ code: 'INPUT_UNREADABLE', message: expect.stringContaining('Npix=7.parquet') });
  });

  it('makes a training set from a generated HATS object catalog with known matches across partitions', async () => {
    const zip = path.join(scratch, 'objects.zip');
    writeZip(zip, syntheticCatalog('objects/', PARTITIONS));
    // Objects 0 (first partition), 5 (second) and 11 (third) each have a reference 0.3″ north.
    const matched = [0, 5, 11];
    const refs = references('synthetic-refs.csv', [...matched.map((n) => ({ id: `r${n}`, ra: 10 + n / 10, dec: -20 - n / 10 + 0.3 * ARCSEC })), { id: 'far', ra: 200, dec: 10 }]);
    const output = path.join(scratch, 'synthetic-training.parquet');
    const made = await makeTrainingSet({
      objects: { path: zip, fileName: 'objects', ra: 'ra', dec: 'dec' },
      redshifts: { path: refs, fileName: 'refs.csv', columns: { id: 'ID', ra: 'RA', dec: 'DEC', z: 'Z' } },
      radiusArcsec: 1, nNeighbors: 1, duplicateCriteria: 'closest', outputPath: output, fluxColumns: [],
    });
    if (!made.ok) throw new Error(made.error.message);
    const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(output) })) as Record<string, unknown>[];
    expect(rows.map((r) => Number(r.objid)).sort((a, b) => a - b)).toEqual(matched);
    for (const row of rows) {
      expect(row.ref_id).toBe(`r${Number(row.objid)}`);
      expect(Number(row.separation_arcsec)).toBeCloseTo(0.3, 6);
    }
  });

  it('makes a training set from the real ELAIS-S1 HATS collection (ZSTD partitions), zipped as uploaded', async () => {
    const zip = path.join(scratch, 'elaiss1.zip');
    writeZip(zip, membersOf(COLLECTION, 'elaiss1oid_collection/'));
    // The expected matches, read from the partition file directly (not through the HATS reader): every 40th object, 0.5″ east.
    const objects = (await parquetReadObjects({ file: await asyncBufferFromFile(ELAIS_PARTITION), columns: ['XMMES1', 'RAdeg', 'DEdeg'], compressors: PARQUET_COMPRESSORS })) as { XMMES1: bigint; RAdeg: number; DEdeg: number }[];
    expect(objects).toHaveLength(478);
    const chosen = objects.filter((_, i) => i % 40 === 0);
    const refs = references('elais-refs.csv', chosen.map((o) => ({ id: `ref${String(o.XMMES1)}`, ra: o.RAdeg + (0.5 * ARCSEC) / Math.cos((o.DEdeg * Math.PI) / 180), dec: o.DEdeg })));
    const output = path.join(scratch, 'elais-training.parquet');
    const made = await makeTrainingSet({
      objects: { path: zip, fileName: 'elaiss1', ra: 'RAdeg', dec: 'DEdeg' },
      redshifts: { path: refs, fileName: 'refs.csv', columns: { id: 'ID', ra: 'RA', dec: 'DEC', z: 'Z' } },
      radiusArcsec: 0.8, nNeighbors: 1, duplicateCriteria: 'closest', outputPath: output, fluxColumns: [],
    });
    if (!made.ok) throw new Error(made.error.message);
    expect(made.value).toMatchObject({ rowsOut: chosen.length });
    const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(output) })) as Record<string, unknown>[];
    expect(rows.map((r) => String(r.XMMES1)).sort()).toEqual(chosen.map((o) => String(o.XMMES1)).sort());
    for (const row of rows) expect(row.ref_id).toBe(`ref${String(row.XMMES1)}`);
    // Every column of the catalog rides along (magnitudes included).
    expect(Object.keys(rows[0] ?? {})).toEqual(expect.arrayContaining(['RmagBest', 'e_RmagBest', 'Kmag', 'survey_name', 'obj_z']));
  });
});
