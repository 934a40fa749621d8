import { TIE_RESULT } from '../duplicates/tiebreak-group';
import type { CombineMode } from './combine-request';

/** The rows the output keeps, in input order: all of them, or (deduplicate) the selected ones and hard ties; with a flag cut, only rows whose homogenised flag is at least the cut. */
export function selectOutputRows(mode: CombineMode, rowCount: number, tieResult: Uint8Array | null, flagCut: { readonly flags: Int8Array; readonly min: number } | null = null): Uint32Array {
  const deduplicating = mode === 'deduplicate' && tieResult !== null;
  const keep = (i: number): boolean => {
    if (deduplicating && tieResult[i] !== TIE_RESULT.selected && tieResult[i] !== TIE_RESULT.hardTie) return false;
    if (flagCut) {
      const flag = flagCut.flags[i] ?? -1;
      if (flag < 0 || flag < flagCut.min) return false;
    }
    return true;
  };
  let kept = 0;
  for (let i = 0; i < rowCount; i++) if (keep(i)) kept++;
  const rows = new Uint32Array(kept);
  let at = 0;
  for (let i = 0; i < rowCount; i++) if (keep(i)) rows[at++] = i;
  return rows;
}
