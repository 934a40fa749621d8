import { describe, expect, it } from 'vitest';
import { prepareInput, type PreparedInput } from '../combine/prepare-input';
import { REAL_INPUTS, referenceRules } from '../test-fixtures';
import { homogenizeFlags, type FlagSource } from './homogenize-flags';
import { parseTranslationRules } from './translation-rules';

const rules = referenceRules();

async function prepared(index: number): Promise<PreparedInput> {
  const input = REAL_INPUTS[index];
  if (!input) throw new Error('no such input');
  const result = await prepareInput(input, index, rules);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

/** Homogenised flag → rows, and (own flag → homogenised flag) pairs seen. */
function tally(input: PreparedInput) {
  const { zFlag, zFlagHomogenized, instrumentTypeCode, instrumentTypes } = input.columns;
  const counts: Record<number, number> = {};
  const mapping = new Map<number, Set<number>>();
  const types = new Set<string | null>();
  for (let i = 0; i < input.columns.rowCount; i++) {
    const h = zFlagHomogenized[i] ?? -1;
    counts[h] = (counts[h] ?? 0) + 1;
    const own = zFlag[i] ?? Number.NaN;
    mapping.set(own, (mapping.get(own) ?? new Set()).add(h));
    types.add(instrumentTypes[instrumentTypeCode[i] ?? -1] ?? null);
  }
  const single = (own: number) => [...(mapping.get(own) ?? [])];
  return { counts, single, types };
}

describe('flag homogenisation on the real catalogs', () => {
  it('VVDS: the last digit of ZFLAGS decides (9 → 2), by the condition rules', async () => {
    const { counts, single, types } = tally(await prepared(0));
    expect(single(4)).toEqual([4]);
    expect(single(24)).toEqual([4]);
    expect(single(13)).toEqual([3]);
    expect(single(20)).toEqual([0]);
    expect(single(9)).toEqual([2]);
    expect(single(29)).toEqual([2]);
    expect(single(11)).toEqual([1]);
    // Read off the file by hand: flags ending in 2 (253 + 4 + 10) or 9 (26 + 1 + 6) give 2.
    expect(counts).toEqual({ 0: 100 + 25, 1: 190 + 3 + 4, 2: 300, 3: 197 + 4 + 4, 4: 171 + 1 + 1 });
    expect(types).toEqual(new Set(['s']));
  });

  it('2dFLenS: the value map (3 → 3, 4 → 4, 6 → 6 star)', async () => {
    const { counts, single } = tally(await prepared(1));
    expect(single(3)).toEqual([3]);
    expect(single(4)).toEqual([4]);
    expect(single(6)).toEqual([6]);
    expect(counts).toEqual({ 3: 242, 4: 663, 6: 95 });
  });

  it('OzDES: qop 1 → 0, 2 → 1, 3 → 3, 4 → 4, 6 → 6', async () => {
    const input = await prepared(2);
    const { counts, single, types } = tally(input);
    expect([1, 2, 3, 4, 6].map((q) => single(q))).toEqual([[0], [1], [3], [4], [6]]);
    expect(counts).toEqual({ 0: 122, 1: 125, 3: 187, 4: 491, 6: 75 });
    expect(types).toEqual(new Set(['s']));
    expect(input.unknownSurveys.size).toBe(0);
  });
});

describe('rule semantics', () => {
  const source = (surveys: string[], columns: Record<string, (number | string | null)[]>): FlagSource => ({
    rowCount: surveys.length,
    surveyCode: Int32Array.from(surveys, (_, i) => i),
    surveyNames: surveys,
    column: (name) => {
      const values = columns[name];
      return values ? (row) => values[row] ?? null : null;
    },
  });

  it('gives null flag and instrument type to an unknown survey, and says so', () => {
    const flags = homogenizeFlags(rules, source(['NOT_A_SURVEY', 'ozdes'], { z_flag: [4, 4] }));
    expect(Array.from(flags.zFlagHomogenized)).toEqual([-1, 4]);
    expect(flags.instrumentTypes[flags.instrumentTypeCode[0] ?? -1]).toBeUndefined();
    expect(flags.instrumentTypes[flags.instrumentTypeCode[1] ?? -1]).toBe('s');
    expect(flags.unknownSurveys).toEqual(new Map([['NOT_A_SURVEY', 1]]));
  });

  it('lets a later condition that holds override an earlier one (COSMOS2020_CLASSIC refines 1 → 2 → 3)', () => {
    const row = { lp_type: [0], z: [0.5], lp_zPDF: [0.5], lp_zMinChi2: [0.5], lp_zPDF_l68: [0.4], lp_zPDF_u68: [0.6], lp_NbFilt: [35] };
    expect(homogenizeFlags(rules, source(['COSMOS2020_CLASSIC'], row)).zFlagHomogenized[0]).toBe(3);
    expect(homogenizeFlags(rules, source(['COSMOS2020_CLASSIC'], { ...row, lp_NbFilt: [20] })).zFlagHomogenized[0]).toBe(2);
    expect(homogenizeFlags(rules, source(['COSMOS2020_CLASSIC'], { ...row, lp_zPDF_u68: [0.45] })).zFlagHomogenized[0]).toBe(1);
    expect(homogenizeFlags(rules, source(['COSMOS2020_CLASSIC'], { ...row, lp_type: [1] })).zFlagHomogenized[0]).toBe(6);
  });

  it('reads other columns, instrument type conditions and defaults (3D-HST), and reports missing ones', () => {
    const flags = homogenizeFlags(rules, source(['3D-HST', '3D-HST', '3D-HST'], { z_best_s: [1, 2, 0], z_spec: [0.3, -1, -1] }));
    expect(Array.from(flags.zFlagHomogenized)).toEqual([3, 0, 6]);
    expect(Array.from(flags.instrumentTypeCode, (c) => flags.instrumentTypes[c])).toEqual(['s', 'g', 'g']);
    expect(flags.missingColumns).toEqual(['flag1', 'flag2', 'use_phot', 'use_zgrism']);
  });

  it('maps fractional flags by number (C3R2_DR3 3.5 → 3) and probabilities by condition (EUCLID_Q1)', () => {
    expect(Array.from(homogenizeFlags(rules, source(['C3R2_DR3', 'C3R2_DR3'], { z_flag: [3.5, 4] })).zFlagHomogenized)).toEqual([3, 4]);
    expect(Array.from(homogenizeFlags(rules, source(['EUCLID_Q1', 'EUCLID_Q1', 'EUCLID_Q1'], { z_flag: [0, 0.75, 0.995] })).zFlagHomogenized)).toEqual([0, 2, 4]);
  });

  it('refuses rules documents it cannot follow', () => {
    const bad = parseTranslationRules('translation_rules:\n  X:\n    z_flag_translation:\n      conditions:\n        - expr: "__import__(1)"\n          value: 3\n');
    expect(bad.ok ? null : bad.error).toMatchObject({ code: 'EXPRESSION_INVALID', field: 'translation_rules.X.z_flag_translation.conditions[0]' });
    const flag = parseTranslationRules('translation_rules:\n  X:\n    z_flag_translation:\n      1: 5\n');
    expect(flag.ok ? null : flag.error.code).toBe('TRANSLATION_RULES_INVALID');
    const priority = parseTranslationRules('tiebreaking_priority: [magnitude]\n');
    expect(priority.ok ? null : priority.error.code).toBe('TRANSLATION_RULES_INVALID');
  });
});
