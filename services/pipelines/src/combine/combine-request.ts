import { ok, type Result } from '@pz/contracts';
import { pipelineFailure, type PipelineError } from '../errors';
import type { TranslationRules } from '../flags/translation-rules';

/**
 * - `concatenate`: stack every row of every input.
 * - `concatenate_and_mark_duplicates`: stack every row and add `tie_result` (the crossmatch verdict).
 * - `deduplicate`: keep the selected rows and hard ties only (`tie_result` 1 or 2).
 */
export const COMBINE_MODES = ['concatenate', 'concatenate_and_mark_duplicates', 'deduplicate'] as const;
export type CombineMode = (typeof COMBINE_MODES)[number];

/** Position and redshift are needed; an input without id, flag, error or survey reads them as missing. */
export const REQUIRED_ROLES = ['ra', 'dec', 'z'] as const;
export const OPTIONAL_ROLES = ['id', 'z_flag', 'z_err', 'survey'] as const;
export type ColumnRole = (typeof REQUIRED_ROLES)[number] | (typeof OPTIONAL_ROLES)[number];

/** The input file's column for each role (its column association). */
export type ColumnAssociation = { readonly [R in (typeof REQUIRED_ROLES)[number]]: string } & {
  readonly [R in (typeof OPTIONAL_ROLES)[number]]?: string;
};

export interface CombineInput {
  readonly path: string;
  /** The name the format is guessed from when the path has none (a blob path); defaults to the path's base name. */
  readonly fileName?: string;
  /** What the `source` column says for this input's rows (the product's internal name). */
  readonly source: string;
  readonly columns: ColumnAssociation;
}

export interface CombineRequest {
  readonly inputs: readonly CombineInput[];
  readonly mode: CombineMode;
  readonly rules: TranslationRules;
  /** Where the combined Parquet file is written. */
  readonly outputPath: string;
  /** Overrides the rules' `crossmatch_radius_arcsec`. */
  readonly crossmatchRadiusArcsec?: number;
  /** Rows whose `z_flag_homogenized` is below this (or missing) are left out of the output (after the crossmatch). */
  readonly zFlagHomogenizedCut?: number | null;
  /** Told after each stage: rows read so far, sky pairs found (null before the crossmatch); awaited, so it may record them. */
  readonly onProgress?: (progress: CombineProgress) => void | Promise<void>;
}

export interface CombineProgress {
  readonly stage: 'read' | 'crossmatch' | 'write';
  readonly rowsRead: number;
  readonly pairsFound: number | null;
}

const invalid = (message: string, field: string) => pipelineFailure('COMBINE_REQUEST_INVALID', message, field);

/** Checks what can be checked before reading any file. */
export function validateCombineRequest(request: CombineRequest): Result<CombineRequest, PipelineError> {
  if (!(COMBINE_MODES as readonly string[]).includes(request.mode)) return invalid(`mode must be one of ${COMBINE_MODES.join(', ')}`, 'mode');
  if (request.inputs.length === 0) return invalid('at least one input catalog is needed', 'inputs');
  const radius = request.crossmatchRadiusArcsec;
  if (radius !== undefined && !(radius > 0 && radius <= 3600)) return invalid('the crossmatch radius must be in (0, 3600] arcsec', 'crossmatchRadiusArcsec');
  const cut = request.zFlagHomogenizedCut;
  if (cut !== undefined && cut !== null && !Number.isFinite(cut)) return invalid('z_flag_homogenized_value_to_cut must be a number', 'zFlagHomogenizedCut');
  const sources = new Set<string>();
  for (const [i, input] of request.inputs.entries()) {
    if (input.source.trim() === '') return invalid('every input needs a source name', `inputs[${i}].source`);
    if (sources.has(input.source)) return invalid(`source "${input.source}" is given twice`, `inputs[${i}].source`);
    sources.add(input.source);
    for (const role of REQUIRED_ROLES) {
      const column = input.columns[role];
      if (typeof column !== 'string' || column.trim() === '') return invalid(`the ${role} role needs a column`, `inputs[${i}].columns.${role}`);
    }
    for (const role of OPTIONAL_ROLES) {
      const column = input.columns[role];
      if (column !== undefined && (typeof column !== 'string' || column.trim() === '')) return invalid(`the ${role} role names no column`, `inputs[${i}].columns.${role}`);
    }
  }
  return ok(request);
}
