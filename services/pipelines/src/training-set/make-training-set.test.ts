import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTrainingSet, type DuplicateCriteria } from './make-training-set';

const scratch = mkdtempSync(path.join(tmpdir(), 'training-set-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ARCSEC = 1 / 3600;

/**
 * A photometric catalog generated with known matches: objects o1..o6 and references r1..r5.
 * r1 ↔ o1 at 0.3″; r2 has o2 at 0.4″ and o3 at 0.9″; r3's nearest object is 2″ away (no match);
 * r4 and r5 both claim o5 (0.2″ and 0.6″); r6 ↔ o6 at 0.5″ across RA 0/360. Every object
 * carries magnitudes and errors.
 */
function fixture() {
  const objects = [
    { id: 'o1', ra: 10, dec: 0 },
    { id: 'o2', ra: 20, dec: 0 },
    { id: 'o3', ra: 20 + 0.5 * ARCSEC, dec: 0 },
    { id: 'o4', ra: 30 + 2 * ARCSEC, dec: 0 },
    { id: 'o5', ra: 40, dec: 0 },
    { id: 'o6', ra: 359.9999, dec: -5 },
  ];
  const references = [
    { id: 'r1', ra: 10 + 0.3 * ARCSEC, dec: 0, z: 0.1 },
    { id: 'r2', ra: 20 - 0.4 * ARCSEC, dec: 0, z: 0.2 },
    { id: 'r3', ra: 30, dec: 0, z: 0.3 },
    { id: 'r4', ra: 40, dec: 0.2 * ARCSEC, z: 0.4 },
    { id: 'r5', ra: 40, dec: -0.6 * ARCSEC, z: 0.5 },
    { id: 'r6', ra: -0.0001 + (0.5 * ARCSEC) / Math.cos((5 * Math.PI) / 180), dec: -5, z: 0.6 },
  ];
  const objectsFile = path.join(scratch, 'objects.csv');
  writeFileSync(objectsFile, `objectId,coord_ra,coord_dec,mag_g,mag_r,magerr_g,z\n${objects.map((o, i) => `${o.id},${o.ra},${o.dec},${20 + i},${19 + i},0.0${i + 1},9.9`).join('\n')}\n`);
  const referencesFile = path.join(scratch, 'references.csv');
  writeFileSync(referencesFile, `ID,RA,DEC,Z,ERR,FLAG\n${references.map((r) => `${r.id},${r.ra},${r.dec},${r.z},0.001,4`).join('\n')}\n`);
  return { objectsFile, referencesFile };
}

async function run(criteria: DuplicateCriteria, nNeighbors: number, name: string) {
  const { objectsFile, referencesFile } = fixture();
  const outputPath = path.join(scratch, `${name}.parquet`);
  const result = await makeTrainingSet({
    objects: { path: objectsFile, ra: 'coord_ra', dec: 'coord_dec' },
    redshifts: { path: referencesFile, columns: { id: 'ID', ra: 'RA', dec: 'DEC', z: 'Z', z_err: 'ERR', z_flag: 'FLAG' } },
    radiusArcsec: 1,
    nNeighbors,
    duplicateCriteria: criteria,
    outputPath,
  });
  if (!result.ok) throw new Error(result.error.message);
  const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(outputPath) })) as Record<string, unknown>[];
  return { summary: result.value, rows };
}

const pairsOf = (rows: Record<string, unknown>[]) => rows.map((r) => `${String(r.ref_id)}-${String(r.objectId)}`).sort();

describe('Training Set Maker', () => {
  it('closest: each reference its nearest object, each object its nearest reference, magnitudes carried', async () => {
    const { summary, rows } = await run('closest', 1, 'closest');
    expect(pairsOf(rows)).toEqual(['r1-o1', 'r2-o2', 'r4-o5', 'r6-o6']);
    expect(summary).toMatchObject({ objectRows: 6, redshiftRows: 6, pairsInRadius: 6, rowsOut: 4, matchedRedshifts: 4 });
    const r1 = rows.find((r) => r.ref_id === 'r1');
    expect(r1).toMatchObject({ mag_g: 20, mag_r: 19, magerr_g: 0.01, z: 0.1, z_err: 0.001, z_flag: 4, obj_z: 9.9 });
    expect(Number(r1?.separation_arcsec)).toBeCloseTo(0.3, 6);
    expect(Number(rows.find((r) => r.ref_id === 'r6')?.separation_arcsec)).toBeCloseTo(0.5, 4);
  });

  it('all: every pair within the radius, at most n_neighbors per reference', async () => {
    expect(pairsOf((await run('all', 5, 'all')).rows)).toEqual(['r1-o1', 'r2-o2', 'r2-o3', 'r4-o5', 'r5-o5', 'r6-o6']);
    expect(pairsOf((await run('all', 1, 'all-one')).rows)).toEqual(['r1-o1', 'r2-o2', 'r4-o5', 'r5-o5', 'r6-o6']);
  });

  it('converts the release\'s fluxes (nJy) to AB magnitudes with their errors', async () => {
    const objectsFile = path.join(scratch, 'flux-objects.csv');
    writeFileSync(objectsFile, 'objectId,coord_ra,coord_dec,g_cModelFlux,g_cModelFluxErr,r_cModelFlux\n1,10,0,3631,36.31,-5\n');
    const referencesFile = path.join(scratch, 'flux-references.csv');
    writeFileSync(referencesFile, 'RA,DEC,Z\n10,0,0.5\n');
    const outputPath = path.join(scratch, 'flux.parquet');
    const result = await makeTrainingSet({
      objects: { path: objectsFile, ra: 'coord_ra', dec: 'coord_dec' },
      redshifts: { path: referencesFile, columns: { ra: 'RA', dec: 'DEC', z: 'Z' } },
      radiusArcsec: 1, nNeighbors: 1, duplicateCriteria: 'closest', outputPath,
      fluxColumns: ['g_cModelFlux', 'r_cModelFlux', 'i_cModelFlux'],
    });
    expect(result.ok).toBe(true);
    const [row] = (await parquetReadObjects({ file: await asyncBufferFromFile(outputPath) })) as Record<string, unknown>[];
    // 3631 nJy = 3.631e-6 Jy: AB magnitude 22.5 (zero point 3631 Jy); a 1 % error is 0.01086 mag.
    expect(Number(row?.g_cModelFlux_mag)).toBeCloseTo(22.5, 3);
    expect(Number(row?.g_cModelFlux_magerr)).toBeCloseTo(0.010857, 5);
    expect(row?.r_cModelFlux_mag).toBeNull();
    expect(row && 'i_cModelFlux_mag' in row).toBe(false);
  });

  it('refuses a bad radius, neighbour count or criterion', async () => {
    const { objectsFile, referencesFile } = fixture();
    const base = { objects: { path: objectsFile, ra: 'coord_ra', dec: 'coord_dec' }, redshifts: { path: referencesFile, columns: { ra: 'RA', dec: 'DEC', z: 'Z' } }, outputPath: path.join(scratch, 'x.parquet') };
    expect((await makeTrainingSet({ ...base, radiusArcsec: 0, nNeighbors: 1, duplicateCriteria: 'all' })).ok).toBe(false);
    expect((await makeTrainingSet({ ...base, radiusArcsec: 1, nNeighbors: 0, duplicateCriteria: 'all' })).ok).toBe(false);
    expect((await makeTrainingSet({ ...base, radiusArcsec: 1, nNeighbors: 1, duplicateCriteria: 'best' as DuplicateCriteria })).ok).toBe(false);
    const missing = await makeTrainingSet({ ...base, redshifts: { path: referencesFile, columns: { ra: 'RA', dec: 'NOPE', z: 'Z' } }, radiusArcsec: 1, nNeighbors: 1, duplicateCriteria: 'all' });
    expect(missing.ok ? null : missing.error.code).toBe('INPUT_COLUMN_MISSING');
  });
});
