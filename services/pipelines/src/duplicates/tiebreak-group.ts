/**
 * How one group of duplicates (rows of the same object, found by the crossmatch) is resolved,
 * following LIneA's reference pipeline:
 *  1. for each tiebreaking column in order, only the rows with the best score survive (higher is
 *     better; a column on which every survivor is missing decides nothing);
 *  2. if several rows survive every column, their redshifts decide: when max z − min z is at most
 *     `delta_z_threshold`, one row is kept (the first in input order) — otherwise they are all kept
 *     as a hard tie;
 *  3. a single survivor is the selected measurement; every other row is eliminated.
 */

export const TIE_RESULT = {
  eliminated: 0,
  selected: 1,
  hardTie: 2,
  /** z_flag_homogenized = 6: a star, left out of the crossmatch. */
  star: 3,
} as const;
export type TieResult = (typeof TIE_RESULT)[keyof typeof TIE_RESULT];

/** The delta-z rule's name in the per-rule counts, next to the tiebreaking columns'. */
export const DELTA_Z_RULE = 'delta_z_threshold';

export interface TiebreakCriteria {
  /** Per tiebreaking column, a score per row; -Infinity where the row has no value. */
  readonly scores: readonly { readonly name: string; readonly score: Float64Array }[];
  readonly z: Float64Array;
  readonly deltaZThreshold: number;
}

export interface MemberOutcome {
  readonly row: number;
  readonly tieResult: TieResult;
  /** The rule that eliminated the row (a column name or `delta_z_threshold`), when it was eliminated. */
  readonly eliminatedBy: string | null;
}

export function tiebreakGroup(members: ArrayLike<number>, criteria: TiebreakCriteria): MemberOutcome[] {
  const eliminatedBy = new Map<number, string>();
  let survivors = Array.from(members);
  for (const { name, score } of criteria.scores) {
    if (survivors.length <= 1) break;
    let best = -Infinity;
    for (const row of survivors) best = Math.max(best, score[row] ?? -Infinity);
    if (best === -Infinity) continue;
    const kept: number[] = [];
    for (const row of survivors) {
      if ((score[row] ?? -Infinity) === best) kept.push(row);
      else eliminatedBy.set(row, name);
    }
    survivors = kept;
  }
  let hardTie = false;
  if (survivors.length > 1) {
    let low = Infinity;
    let high = -Infinity;
    for (const row of survivors) {
      const z = criteria.z[row] ?? Number.NaN;
      if (Number.isFinite(z)) {
        low = Math.min(low, z);
        high = Math.max(high, z);
      }
    }
    if (criteria.deltaZThreshold > 0 && low <= high && high - low <= criteria.deltaZThreshold) {
      const keep = survivors.reduce((a, b) => Math.min(a, b));
      for (const row of survivors) if (row !== keep) eliminatedBy.set(row, DELTA_Z_RULE);
      survivors = [keep];
    } else {
      hardTie = true;
    }
  }
  const kept = new Set(survivors);
  return Array.from(members, (row) => ({
    row,
    tieResult: kept.has(row) ? (hardTie ? TIE_RESULT.hardTie : TIE_RESULT.selected) : TIE_RESULT.eliminated,
    eliminatedBy: kept.has(row) ? null : (eliminatedBy.get(row) ?? null),
  }));
}
