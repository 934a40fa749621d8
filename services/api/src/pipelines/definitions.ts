import { PRODUCT_TYPES, type ProductTypeName } from '@pz/contracts';
import { DUPLICATE_CRITERIA, OUTPUT_FILE_FORMATS, type OutputFileFormat } from '@pz/pipelines';

/**
 * The pipelines users may run, as `GET /api/pipelines/` lists them. `system_config.param` is the
 * parameter schema by example: every parameter with its default (the pzserver client starts a
 * run's config from it and sends it back with the user's changes).
 */

export type PipelineName = 'combine_redshift_dedup' | 'training_set_maker';

export const COMBINE_TYPES = ['concatenate', 'concatenate_and_mark_duplicates', 'concatenate_and_remove_duplicates'] as const;
export type CombineType = (typeof COMBINE_TYPES)[number];
export const OUTPUT_FORMATS = OUTPUT_FILE_FORMATS;
export type OutputFormat = OutputFileFormat;
export const DEFAULT_FLAGS_TRANSLATION = 'flags_translation.yaml';

export interface PipelineDefinition {
  readonly id: number;
  readonly name: PipelineName;
  readonly displayName: string;
  readonly version: string;
  readonly description: string;
  readonly accepts: readonly ProductTypeName[];
  readonly output: ProductTypeName;
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Inputs: how many products, all of an accepted type. */
  readonly minInputs: number;
  readonly maxInputs: number;
  /** Whether the run needs a release (the Training Set Maker's object catalog comes from one). */
  readonly needsRelease: boolean;
}

export const PIPELINES: readonly PipelineDefinition[] = [
  {
    id: 1,
    name: 'combine_redshift_dedup',
    displayName: 'Combine Redshift Catalogs',
    version: '1.0.0',
    description: 'Combines two or more reference redshift catalogs into one: flags homogenised by survey rules, duplicates (objects within the crossmatch radius) marked or removed.',
    accepts: ['redshift_catalog'],
    output: 'redshift_catalog',
    defaults: {
      combine_type: 'concatenate_and_mark_duplicates',
      crossmatch: { radius_arcsec: 1.0 },
      flags_translation_file: DEFAULT_FLAGS_TRANSLATION,
      z_flag_homogenized_value_to_cut: null,
      output_format: 'parquet',
    },
    minInputs: 2,
    maxInputs: 20,
    needsRelease: false,
  },
  {
    id: 2,
    name: 'training_set_maker',
    displayName: 'Training Set Maker',
    version: '1.0.0',
    description: "Cross-matches a release's object catalog with a reference redshift catalog: each matched object with its magnitudes and the reference redshift.",
    accepts: ['redshift_catalog'],
    output: 'training_set',
    defaults: {
      crossmatch: { radius_arcsec: 1.0, n_neighbors: 1 },
      duplicate_criteria: 'closest',
      output_format: 'parquet',
    },
    minInputs: 1,
    maxInputs: 1,
    needsRelease: true,
  },
];

const typeId = (name: ProductTypeName): number => PRODUCT_TYPES.find((t) => t.name === name)?.order ?? 0;

/** The reference model's pipeline record. */
export function pipelineJson(p: PipelineDefinition) {
  return {
    id: p.id,
    name: p.name,
    display_name: p.displayName,
    version: p.version,
    description: p.description,
    created_at: '2026-01-01T00:00:00Z',
    system_config: { param: p.defaults },
    product_types_accepted: p.accepts.map(typeId),
    output_product_type: typeId(p.output),
  };
}

export const pipelineById = (id: number): PipelineDefinition | undefined => PIPELINES.find((p) => p.id === id);
export const pipelineByName = (name: string): PipelineDefinition | undefined => PIPELINES.find((p) => p.name === name);

export interface CombineParams {
  readonly combineType: CombineType;
  readonly radiusArcsec: number;
  readonly flagsTranslationFile: string;
  readonly zFlagCut: number | null;
  readonly outputFormat: OutputFormat;
}

export interface TrainingSetParams {
  readonly radiusArcsec: number;
  readonly nNeighbors: number;
  readonly duplicateCriteria: (typeof DUPLICATE_CRITERIA)[number];
  readonly outputFormat: OutputFormat;
}

export type ParamProblem = { readonly message: string; readonly field: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The run's parameters: the defaults, overridden by what was sent (nested objects merged one level). */
export function mergeParams(p: PipelineDefinition, sent: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...p.defaults };
  for (const [key, value] of Object.entries(sent)) {
    const base = merged[key];
    merged[key] = isRecord(base) && isRecord(value) ? { ...base, ...value } : value;
  }
  return merged;
}

const numberOf = (v: unknown): number | null => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : null);

function outputFormatOf(params: Record<string, unknown>): OutputFormat | ParamProblem {
  const sent = params.output_format ?? 'parquet';
  const format = typeof sent === 'string' ? sent.toLowerCase() : sent;
  if (!(OUTPUT_FORMATS as readonly unknown[]).includes(format)) return { message: `output_format must be one of ${OUTPUT_FORMATS.join(', ')}`, field: 'output_format' };
  return format as OutputFormat;
}

export function combineParams(params: Record<string, unknown>): CombineParams | ParamProblem {
  const combineType = params.combine_type;
  if (typeof combineType !== 'string' || !(COMBINE_TYPES as readonly string[]).includes(combineType)) return { message: `combine_type must be one of ${COMBINE_TYPES.join(', ')}`, field: 'combine_type' };
  const crossmatch = isRecord(params.crossmatch) ? params.crossmatch : {};
  const radius = numberOf(crossmatch.radius_arcsec);
  if (radius === null || !(radius > 0 && radius <= 3600)) return { message: 'crossmatch.radius_arcsec must be a number in (0, 3600]', field: 'crossmatch' };
  const cutRaw = params.z_flag_homogenized_value_to_cut;
  const cut = cutRaw === null || cutRaw === undefined || cutRaw === '' ? null : numberOf(cutRaw);
  if (cut !== null && !Number.isFinite(cut)) return { message: 'z_flag_homogenized_value_to_cut must be a number or null', field: 'z_flag_homogenized_value_to_cut' };
  const flags = params.flags_translation_file;
  if (typeof flags !== 'string' || flags === '') return { message: 'flags_translation_file must name a file', field: 'flags_translation_file' };
  const outputFormat = outputFormatOf(params);
  if (typeof outputFormat !== 'string') return outputFormat;
  return { combineType: combineType as CombineType, radiusArcsec: radius, flagsTranslationFile: flags, zFlagCut: cut, outputFormat };
}

export function trainingSetParams(params: Record<string, unknown>): TrainingSetParams | ParamProblem {
  const crossmatch = isRecord(params.crossmatch) ? params.crossmatch : {};
  const radius = numberOf(crossmatch.radius_arcsec);
  if (radius === null || !(radius > 0 && radius <= 3600)) return { message: 'crossmatch.radius_arcsec must be a number in (0, 3600]', field: 'crossmatch' };
  const neighbors = numberOf(crossmatch.n_neighbors);
  if (neighbors === null || !Number.isInteger(neighbors) || neighbors < 1 || neighbors > 1000) return { message: 'crossmatch.n_neighbors must be an integer from 1 to 1000', field: 'crossmatch' };
  const criteria = params.duplicate_criteria;
  if (typeof criteria !== 'string' || !(DUPLICATE_CRITERIA as readonly string[]).includes(criteria)) return { message: `duplicate_criteria must be one of ${DUPLICATE_CRITERIA.join(', ')}`, field: 'duplicate_criteria' };
  const outputFormat = outputFormatOf(params);
  if (typeof outputFormat !== 'string') return outputFormat;
  return { radiusArcsec: radius, nNeighbors: neighbors, duplicateCriteria: criteria as TrainingSetParams['duplicateCriteria'], outputFormat };
}

export const isParamProblem = (v: object): v is ParamProblem => 'message' in v && 'field' in v;
