import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import { REAL_INPUTS, referenceRules } from '../test-fixtures';
import { combineCatalogs } from './combine-catalogs';
import type { CombineInput } from './combine-request';

/**
 * Combine Redshift Catalogs against an independent reference: every pair of rows is compared
 * here by brute force (O(n²), Vincenty's formula — not the haversine of the code under test),
 * and the pairs, groups and rows in groups the pipeline reports must be exactly those.
 */

const scratch = mkdtempSync(path.join(tmpdir(), 'crossmatch-reference-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const rules = referenceRules();
const RAD = Math.PI / 180;

/** Great-circle distance in arcsec, Vincenty's formula (well-conditioned at every distance). */
function vincentyArcsec(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const dRa = (ra2 - ra1) * RAD;
  const [s1, c1, s2, c2] = [Math.sin(dec1 * RAD), Math.cos(dec1 * RAD), Math.sin(dec2 * RAD), Math.cos(dec2 * RAD)];
  const x = c2 * Math.sin(dRa);
  const y = c1 * s2 - s1 * c2 * Math.cos(dRa);
  const z = s1 * s2 + c1 * c2 * Math.cos(dRa);
  return (Math.atan2(Math.hypot(x, y), z) / RAD) * 3600;
}

interface Row {
  readonly ra: number;
  readonly dec: number;
  readonly star: boolean;
}

/** The reference: every pair within the radius, then groups by chaining (a plain union-find of our own). */
function bruteForce(rows: readonly Row[], radiusArcsec: number) {
  const parent = rows.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i] ?? i)));
  let pairs = 0;
  const pairList: [number, number][] = [];
  for (let i = 0; i < rows.length; i++) {
    const a = rows[i] as Row;
    if (a.star || !Number.isFinite(a.ra) || !Number.isFinite(a.dec)) continue;
    for (let j = i + 1; j < rows.length; j++) {
      const b = rows[j] as Row;
      if (b.star || !Number.isFinite(b.ra) || !Number.isFinite(b.dec)) continue;
      if (vincentyArcsec(a.ra, a.dec, b.ra, b.dec) <= radiusArcsec) {
        pairs++;
        pairList.push([i, j]);
        parent[find(i)] = find(j);
      }
    }
  }
  const sizes = new Map<number, number>();
  for (let i = 0; i < rows.length; i++) sizes.set(find(i), (sizes.get(find(i)) ?? 0) + 1);
  const groups = [...sizes.values()].filter((n) => n > 1);
  return { pairs, pairList, groups: groups.length, rowsInGroups: groups.reduce((a, b) => a + b, 0) };
}

async function markDuplicates(inputs: readonly CombineInput[], radiusArcsec: number, name: string) {
  const outputPath = path.join(scratch, `${name}.parquet`);
  const result = await combineCatalogs({ mode: 'concatenate_and_mark_duplicates', inputs, rules, outputPath, crossmatchRadiusArcsec: radiusArcsec });
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(outputPath) })) as Record<string, unknown>[];
  return { summary: result.value, rows };
}

const asRows = (rows: Record<string, unknown>[]): Row[] => rows.map((r) => ({ ra: Number(r.ra), dec: Number(r.dec), star: r.z_flag_homogenized === 6 }));

/** Writes a CSV catalog (VVDS survey rules, flag 4) from positions; the z of each row is given. */
function csvCatalog(name: string, rows: readonly { id: string; ra: number; dec: number; z: number; flag?: number; err?: number }[]): CombineInput {
  const file = path.join(scratch, `${name}.csv`);
  writeFileSync(file, `id,ra,dec,z,flag,err,survey\n${rows.map((r) => `${r.id},${r.ra},${r.dec},${r.z},${r.flag ?? 4},${r.err ?? ''},VVDS`).join('\n')}\n`);
  return { path: file, source: name, columns: { id: 'id', ra: 'ra', dec: 'dec', z: 'z', z_flag: 'flag', z_err: 'err', survey: 'survey' } };
}

/** A point `arcsec` away from (ra, dec) towards position angle `angle` (radians), exactly on the sphere. */
function offset(ra: number, dec: number, arcsec: number, angle: number): { ra: number; dec: number } {
  const d = (arcsec / 3600) * RAD;
  const [φ, λ] = [dec * RAD, ra * RAD];
  const φ2 = Math.asin(Math.sin(φ) * Math.cos(d) + Math.cos(φ) * Math.sin(d) * Math.cos(angle));
  const λ2 = λ + Math.atan2(Math.sin(angle) * Math.sin(d) * Math.cos(φ), Math.cos(d) - Math.sin(φ) * Math.sin(φ2));
  return { ra: ((λ2 / RAD) % 360 + 360) % 360, dec: φ2 / RAD };
}

describe('crossmatch of Combine Redshift Catalogs against a brute-force reference', () => {
  it('finds the planted pairs across RA 0/360, near the pole, at 0.99″ and not at 1.01″, and nothing else', async () => {
    // Deterministic background (LCG) far from the planted objects, and the planted pairs.
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const left: { id: string; ra: number; dec: number; z: number; err?: number }[] = [];
    const right: { id: string; ra: number; dec: number; z: number; err?: number }[] = [];
    for (let i = 0; i < 1500; i++) left.push({ id: `bg-l${i}`, ra: 100 + random() * 0.2, dec: -30 + random() * 0.2, z: random() });
    for (let i = 0; i < 1500; i++) right.push({ id: `bg-r${i}`, ra: 100 + random() * 0.2, dec: -30 + random() * 0.2, z: random() });
    const plant = (name: string, ra: number, dec: number, arcsec: number, angle: number) => {
      const other = offset(ra, dec, arcsec, angle);
      left.push({ id: `${name}-a`, ra, dec, z: 0.5, err: 0.002 });
      right.push({ id: `${name}-b`, ...other, z: 0.5, err: 0.001 });
      return vincentyArcsec(ra, dec, other.ra, other.dec);
    };
    expect(plant('wrap', 359.99995, 12, 0.5, Math.PI / 2)).toBeCloseTo(0.5, 6); // lands at RA ≈ 0.00009
    expect(plant('pole', 45, 89.99995, 0.6, 0)).toBeCloseTo(0.6, 4); // over the pole: RA jumps by 180°
    expect(plant('south', 300, -89.9999, 0.8, 2)).toBeCloseTo(0.8, 4);
    expect(plant('inside', 200, 5, 0.99, 1)).toBeCloseTo(0.99, 6);
    expect(plant('outside', 210, 5, 1.01, 1)).toBeCloseTo(1.01, 6);
    const inputs = [csvCatalog('left', left), csvCatalog('right', right)];

    const { summary, rows } = await markDuplicates(inputs, 1, 'planted');
    const reference = bruteForce(asRows(rows), 1);
    expect(summary.duplicates).toMatchObject({ pairs: reference.pairs, groups: reference.groups, rowsInGroups: reference.rowsInGroups });
    const ids = (pair: [number, number]) => [String(rows[pair[0]]?.id), String(rows[pair[1]]?.id)].sort().join('+');
    const planted = reference.pairList.map(ids).filter((p) => !p.startsWith('bg-'));
    expect(planted.sort()).toEqual(['inside-a+inside-b', 'pole-a+pole-b', 'south-a+south-b', 'wrap-a+wrap-b']);
    // In each planted pair the smaller z_err wins (equal flags): the right-hand row.
    const verdict = (id: string) => rows.find((r) => r.id === id)?.tie_result;
    for (const name of ['wrap', 'pole', 'south', 'inside']) expect([verdict(`${name}-a`), verdict(`${name}-b`)]).toEqual([0, 1]);
    expect([verdict('outside-a'), verdict('outside-b')]).toEqual([1, 1]);
    expect(summary.duplicates?.eliminatedBy.z_err).toBeGreaterThanOrEqual(4);
  });

  for (const radius of [1, 30, 300]) {
    it(`marks exactly the groups the reference finds in the three real catalogs (radius ${radius}″)`, async () => {
      const { summary, rows } = await markDuplicates(REAL_INPUTS, radius, `real-${radius}`);
      const reference = bruteForce(asRows(rows), radius);
      expect(summary.duplicates).toMatchObject({ pairs: reference.pairs, groups: reference.groups, rowsInGroups: reference.rowsInGroups });
      // Every group keeps at least one row; the eliminated rows are the rest of the groups (no hard ties with this data) or a tie.
      const eliminated = rows.filter((r) => r.tie_result === 0).length;
      const hardTies = rows.filter((r) => r.tie_result === 2).length;
      expect(eliminated + hardTies).toBeLessThanOrEqual(reference.rowsInGroups);
      expect(eliminated).toBeGreaterThanOrEqual(reference.rowsInGroups - reference.groups - hardTies);
      if (radius === 300) expect(reference.pairs).toBeGreaterThan(0);
    });
  }
});
