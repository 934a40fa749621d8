import type { WrittenOutput } from '../catalog-io/write-combined-parquet';
import type { DuplicateResolution } from '../duplicates/resolve-duplicates';
import type { CombineMode } from './combine-request';

export interface InputSummary {
  readonly source: string;
  readonly rows: number;
  /** Rows per survey name found in the input. */
  readonly surveys: Readonly<Record<string, number>>;
  /** Surveys with no translation rules: their rows have null homogenised flag and instrument type. */
  readonly unknownSurveys: Readonly<Record<string, number>>;
  /** Columns read by this input's rules that the file lacks (they read as null). */
  readonly missingRuleColumns: readonly string[];
}

/** The counts of the duplicate resolution (without its per-row outcome), and the radius used. */
export interface DuplicateSummary extends Omit<DuplicateResolution, 'tieResult'> {
  readonly crossmatchRadiusArcsec: number;
}

export interface CombineSummary {
  readonly mode: CombineMode;
  readonly rowsIn: number;
  readonly rowsOut: number;
  readonly inputs: readonly InputSummary[];
  /** Null in `concatenate` mode. */
  readonly duplicates: DuplicateSummary | null;
  readonly output: WrittenOutput;
  /** Wall-clock seconds per stage (read + homogenise, crossmatch + tiebreak, write). */
  readonly seconds: { readonly prepare: number; readonly duplicates: number; readonly write: number };
}
