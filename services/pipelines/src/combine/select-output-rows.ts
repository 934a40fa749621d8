import { TIE_RESULT } from '../duplicates/tiebreak-group';
import type { CombineMode } from './combine-request';

/** The rows the output keeps, in input order: all of them, or (deduplicate) the selected ones and hard ties. */
export function selectOutputRows(mode: CombineMode, rowCount: number, tieResult: Uint8Array | null): Uint32Array {
  if (mode !== 'deduplicate' || !tieResult) return Uint32Array.from({ length: rowCount }, (_, i) => i);
  let kept = 0;
  for (let i = 0; i < rowCount; i++) if (tieResult[i] === TIE_RESULT.selected || tieResult[i] === TIE_RESULT.hardTie) kept++;
  const rows = new Uint32Array(kept);
  let at = 0;
  for (let i = 0; i < rowCount; i++) if (tieResult[i] === TIE_RESULT.selected || tieResult[i] === TIE_RESULT.hardTie) rows[at++] = i;
  return rows;
}
