import { describe, expect, it } from 'vitest';
import { referenceRules } from '../test-fixtures';
import { resolveDuplicates, type DuplicateCandidates } from './resolve-duplicates';
import { TIE_RESULT, tiebreakGroup, type TiebreakCriteria } from './tiebreak-group';

const criteria = (flags: number[], types: number[], z: number[], deltaZThreshold = 0.001): TiebreakCriteria => ({
  scores: [
    { name: 'z_flag_homogenized', score: Float64Array.from(flags, (f) => (f < 0 ? -Infinity : f)) },
    { name: 'instrument_type_homogenized', score: Float64Array.from(types) },
  ],
  z: Float64Array.from(z),
  deltaZThreshold,
});
const outcome = (c: TiebreakCriteria) => tiebreakGroup(Array.from(c.z, (_, i) => i), c).map((o) => [o.tieResult, o.eliminatedBy]);

describe('tiebreaking a group of duplicates', () => {
  it('decides by z_flag_homogenized first, whatever the instrument', () => {
    expect(outcome(criteria([3, 4], [3, 1], [0.5, 0.9]))).toEqual([[0, 'z_flag_homogenized'], [1, null]]);
  });

  it('then by instrument type (s > g > p) among equal flags', () => {
    expect(outcome(criteria([4, 4, 3], [1, 3, 3], [0.5, 0.9, 0.5]))).toEqual([
      [0, 'instrument_type_homogenized'],
      [1, null],
      [0, 'z_flag_homogenized'],
    ]);
  });

  it('a missing flag loses to any flag; all missing leaves the decision to the next column', () => {
    expect(outcome(criteria([-1, 0], [3, 3], [0.5, 0.9]))).toEqual([[0, 'z_flag_homogenized'], [1, null]]);
    expect(outcome(criteria([-1, -1], [2, 3], [0.5, 0.9]))).toEqual([[0, 'instrument_type_homogenized'], [1, null]]);
  });

  it('on a full tie keeps the first row when |Δz| <= delta_z_threshold', () => {
    expect(outcome(criteria([4, 4], [3, 3], [0.5, 0.5009]))).toEqual([[1, null], [0, 'delta_z_threshold']]);
  });

  it('on a full tie beyond delta_z_threshold keeps both as a hard tie', () => {
    expect(outcome(criteria([4, 4], [3, 3], [0.5, 0.5011]))).toEqual([[2, null], [2, null]]);
    expect(outcome(criteria([4, 4, 2], [3, 3, 3], [0.5, 0.7, 0.5]))).toEqual([[2, null], [2, null], [0, 'z_flag_homogenized']]);
  });
});

describe('resolving duplicates over a catalog', () => {
  const ARCSEC = 1 / 3600;
  const rows = (points: [number, number, number, number, number][]): DuplicateCandidates => ({
    rowCount: points.length,
    ra: Float64Array.from(points, (p) => p[0]),
    dec: Float64Array.from(points, (p) => p[1]),
    z: Float64Array.from(points, (p) => p[2]),
    zFlagHomogenized: Int8Array.from(points, (p) => p[3]),
    instrumentTypeCode: Int8Array.from(points, (p) => p[4]),
    instrumentTypes: ['s', 'g', 'p'],
  });

  it('marks each row, leaves stars out of the crossmatch and counts eliminations per rule', () => {
    const resolution = resolveDuplicates(
      rows([
        [10, 10, 0.5, 3, 0],
        [10 + 0.3 * ARCSEC, 10, 0.5, 4, 2],
        [10, 10 + 0.2 * ARCSEC, 0.1, 6, 0],
        [20, 20, 0.3, 4, 2],
        [20, 20 + 0.3 * ARCSEC, 0.3, 4, 0],
        [30, 30, 0.3, 2, 0],
        [30, 30 + 0.4 * ARCSEC, 0.6, 2, 0],
        [40, 40, 0.3, 1, 0],
      ]),
      referenceRules(),
    );
    expect(Array.from(resolution.tieResult)).toEqual([0, 1, TIE_RESULT.star, 0, 1, 2, 2, 1]);
    expect(resolution).toMatchObject({
      groups: 3,
      rowsInGroups: 6,
      stars: 1,
      hardTieRows: 2,
      eliminatedBy: { z_flag_homogenized: 1, instrument_type_homogenized: 1, delta_z_threshold: 0 },
    });
  });
});
