import { STAR_FLAG, type TiebreakColumn, type TranslationRules } from '../flags/translation-rules';
import { findSkyPairs } from '../sky/find-sky-pairs';
import { DELTA_Z_RULE, TIE_RESULT, tiebreakGroup, type TiebreakCriteria } from './tiebreak-group';
import { groupsOf, UnionFind } from './union-find';

export interface DuplicateCandidates {
  readonly rowCount: number;
  readonly ra: Float64Array;
  readonly dec: Float64Array;
  readonly z: Float64Array;
  /** NaN = none; the smaller error wins once the rules' tiebreaking columns are equal. */
  readonly zErr?: Float64Array;
  /** -1 = none. */
  readonly zFlagHomogenized: Int8Array;
  /** Index into `instrumentTypes`, -1 = none. */
  readonly instrumentTypeCode: Int8Array;
  readonly instrumentTypes: readonly string[];
}

export interface DuplicateResolution {
  /** Per row: 0 eliminated, 1 selected (or no duplicate), 2 hard tie, 3 star. */
  readonly tieResult: Uint8Array;
  /** Groups of two or more rows of the same object (within the radius of each other, chained). */
  readonly groups: number;
  readonly rowsInGroups: number;
  /** Rows eliminated by each rule: each tiebreaking column, then `delta_z_threshold`. */
  readonly eliminatedBy: Readonly<Record<string, number>>;
  readonly hardTieRows: number;
  /** Pairs of rows found within the radius (before chaining into groups). */
  readonly pairs: number;
  /** Rows with z_flag_homogenized = 6, left out of the crossmatch (and of a deduplicated output). */
  readonly stars: number;
}

function scoreColumn(column: TiebreakColumn, rows: DuplicateCandidates, rules: TranslationRules): Float64Array {
  const score = new Float64Array(rows.rowCount);
  if (column === 'z_flag_homogenized') {
    for (let i = 0; i < rows.rowCount; i++) {
      const flag = rows.zFlagHomogenized[i] ?? -1;
      score[i] = flag < 0 ? -Infinity : flag;
    }
    return score;
  }
  // As in the reference, a missing or unlisted instrument type scores 0 rather than nothing.
  const priorityOfCode = rows.instrumentTypes.map((type) => rules.instrumentTypePriority.get(type) ?? 0);
  for (let i = 0; i < rows.rowCount; i++) {
    const code = rows.instrumentTypeCode[i] ?? -1;
    score[i] = code < 0 ? 0 : (priorityOfCode[code] ?? 0);
  }
  return score;
}

/**
 * Finds every group of rows within the crossmatch radius of each other (within and across
 * catalogs; stars left out) and decides which row of each group is kept (see tiebreak-group.ts).
 */
/** The smallest-error rule's name in the per-rule counts: after the rules' columns, before delta z. */
export const Z_ERR_RULE = 'z_err';

export function resolveDuplicates(rows: DuplicateCandidates, rules: TranslationRules): DuplicateResolution {
  const tieResult = new Uint8Array(rows.rowCount).fill(TIE_RESULT.selected);
  const include = new Uint8Array(rows.rowCount);
  let stars = 0;
  for (let i = 0; i < rows.rowCount; i++) {
    if (rows.zFlagHomogenized[i] === STAR_FLAG) {
      tieResult[i] = TIE_RESULT.star;
      stars++;
    } else {
      include[i] = 1;
    }
  }
  const sets = new UnionFind(rows.rowCount);
  let pairs = 0;
  findSkyPairs({ ra: rows.ra, dec: rows.dec, include }, rules.crossmatchRadiusArcsec, (a, b) => {
    pairs++;
    sets.union(a, b);
  });
  const { start, members } = groupsOf(sets, rows.rowCount);

  const criteria: TiebreakCriteria = {
    scores: [
      ...rules.tiebreakingPriority.map((name) => ({ name, score: scoreColumn(name, rows, rules) })),
      ...(rows.zErr ? [{ name: Z_ERR_RULE, score: Float64Array.from(rows.zErr, (e) => (Number.isNaN(e) ? -Infinity : -e)) }] : []),
    ],
    z: rows.z,
    deltaZThreshold: rules.deltaZThreshold,
  };
  const eliminatedBy: Record<string, number> = Object.fromEntries([...rules.tiebreakingPriority, ...(rows.zErr ? [Z_ERR_RULE] : []), DELTA_Z_RULE].map((rule) => [rule, 0]));
  let hardTieRows = 0;
  const groups = start.length - 1;
  for (let g = 0; g < groups; g++) {
    for (const outcome of tiebreakGroup(members.subarray(start[g] ?? 0, start[g + 1] ?? 0), criteria)) {
      tieResult[outcome.row] = outcome.tieResult;
      if (outcome.tieResult === TIE_RESULT.hardTie) hardTieRows++;
      if (outcome.eliminatedBy) eliminatedBy[outcome.eliminatedBy] = (eliminatedBy[outcome.eliminatedBy] ?? 0) + 1;
    }
  }
  return { tieResult, groups, rowsInGroups: members.length, eliminatedBy, hardTieRows, pairs, stars };
}
