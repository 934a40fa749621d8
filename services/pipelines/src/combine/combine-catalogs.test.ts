import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import { REAL_INPUTS, referenceRules } from '../test-fixtures';
import { combineCatalogs } from './combine-catalogs';
import type { CombineInput, CombineMode } from './combine-request';

const scratch = mkdtempSync(path.join(tmpdir(), 'combine-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const rules = referenceRules();

async function readBack(file: string) {
  return parquetReadObjects({ file: await asyncBufferFromFile(file) });
}

async function combine(mode: CombineMode, inputs: readonly CombineInput[], name: string = mode) {
  const outputPath = path.join(scratch, `${name}.parquet`);
  const result = await combineCatalogs({ mode, inputs, rules, outputPath });
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return { summary: result.value, rows: await readBack(outputPath) };
}

describe('combining the three real catalogs', () => {
  it('concatenates them into one readable Parquet file in the homogenised schema', async () => {
    const { summary, rows } = await combine('concatenate', REAL_INPUTS);
    expect(summary).toMatchObject({ rowsIn: 3000, rowsOut: 3000, duplicates: null, output: { rows: 3000, format: 'parquet' } });
    expect(rows).toHaveLength(3000);
    expect(Object.keys(rows[0] ?? {})).toEqual(['id', 'ra', 'dec', 'z', 'z_flag', 'z_err', 'survey', 'z_flag_homogenized', 'instrument_type_homogenized', 'source']);
    // The first row of each file, as read from it directly (see data/README.md).
    expect(rows[0]).toEqual({ id: '100375769', ra: 151.558371, dec: 1.9828251, z: 0.4984, z_flag: 4, z_err: null, survey: 'VVDS', z_flag_homogenized: 4, instrument_type_homogenized: 's', source: 'vvds' });
    expect(rows[1000]).toMatchObject({ id: '343078552M031763152T6', ra: 343.078552, z_flag: 4, survey: '2DFLENS', z_flag_homogenized: 4, source: '2dflens' });
    expect(rows[2002]).toMatchObject({ id: 'SVA1_COADD-2971118766', z_flag: 2, survey: 'OZDES', z_flag_homogenized: 1, source: 'ozdes' });
    expect(summary.inputs.map((i) => i.surveys)).toEqual([{ VVDS: 1000 }, { '2DFLENS': 1000 }, { OZDES: 1000 }]);
  });

  it('deduplicates: keeps the best of each crossmatched group and drops stars', async () => {
    // A CSV copy of ten VVDS rows, 0.3″ away, with better flags on even rows and worse on odd ones.
    const { rows: vvds } = await combine('concatenate', REAL_INPUTS.slice(0, 1), 'vvds-only');
    const copies = vvds.slice(0, 10).map((row, i) => {
      const dec = Number(row.dec) + 0.3 / 3600;
      const flag = i % 2 === 0 ? 4 : 1;
      return `copy-${i},${row.ra},${dec},${row.z},${flag},2DFLENS`;
    });
    const csv = path.join(scratch, 'copies.csv');
    writeFileSync(csv, ['name,ra_deg,dec_deg,redshift,quality,survey', ...copies].join('\n'));
    const inputs: CombineInput[] = [
      ...REAL_INPUTS,
      { path: csv, source: 'copies', columns: { id: 'name', ra: 'ra_deg', dec: 'dec_deg', z: 'redshift', z_flag: 'quality', survey: 'survey' } },
    ];

    const marked = await combine('concatenate_and_mark_duplicates', inputs);
    expect(marked.rows).toHaveLength(3010);
    expect(marked.summary.duplicates).toMatchObject({ groups: 10, rowsInGroups: 20, stars: 170, crossmatchRadiusArcsec: 0.5 });

    const deduplicated = await combine('deduplicate', inputs);
    const { summary, rows } = deduplicated;
    const originals = vvds.slice(0, 10).map((row) => Number(row.z_flag_homogenized));
    // Each pair keeps the higher homogenised flag (copies: 4 or 2DFLENS 1 → 0); equal flags (4 vs 4) fall to instrument (both s), then Δz = 0 keeps the first row.
    const copiesKept = originals.filter((flag, i) => (i % 2 === 0 ? 4 > flag : 0 > flag)).length;
    expect(summary.rowsOut).toBe(3010 - 170 - 10);
    expect(rows.filter((r) => r.source === 'copies')).toHaveLength(copiesKept);
    expect(rows.some((r) => r.z_flag_homogenized === 6)).toBe(false);
    expect(rows.every((r) => r.tie_result === 1 || r.tie_result === 2)).toBe(true);
    const eliminated = summary.duplicates?.eliminatedBy ?? {};
    expect((eliminated.z_flag_homogenized ?? 0) + (eliminated.instrument_type_homogenized ?? 0) + (eliminated.delta_z_threshold ?? 0)).toBe(10);
  });

  it('reports a missing column of the association as an error value', async () => {
    const broken: CombineInput = { ...(REAL_INPUTS[0] as CombineInput), columns: { ...(REAL_INPUTS[0] as CombineInput).columns, z_flag: 'NO_SUCH_COLUMN' } };
    const result = await combineCatalogs({ mode: 'concatenate', inputs: [broken], rules, outputPath: path.join(scratch, 'broken.parquet') });
    expect(result.ok ? null : result.error).toMatchObject({ code: 'INPUT_COLUMN_MISSING', field: 'inputs[0].columns.z_flag' });
    const twice = await combineCatalogs({ mode: 'deduplicate', inputs: [REAL_INPUTS[0] as CombineInput, REAL_INPUTS[0] as CombineInput], rules, outputPath: path.join(scratch, 'twice.parquet') });
    expect(twice.ok ? null : twice.error.code).toBe('COMBINE_REQUEST_INVALID');
  });
});
