export { combineCatalogs } from './combine/combine-catalogs';
export {
  COMBINE_MODES,
  OPTIONAL_ROLES,
  REQUIRED_ROLES,
  validateCombineRequest,
  type ColumnAssociation,
  type ColumnRole,
  type CombineInput,
  type CombineMode,
  type CombineRequest,
} from './combine/combine-request';
export type { CombineSummary, DuplicateSummary, InputSummary } from './combine/combine-summary';
export { parseTranslationRules, HOMOGENIZED_FLAGS, STAR_FLAG, type TranslationRules, type SurveyRules, type TiebreakColumn } from './flags/translation-rules';
export { homogenizeFlags, type FlagSource, type HomogenizedFlags } from './flags/homogenize-flags';
export { findSkyPairs, angularSeparation, type SkyPositions } from './sky/find-sky-pairs';
export { resolveDuplicates, type DuplicateCandidates, type DuplicateResolution } from './duplicates/resolve-duplicates';
export { tiebreakGroup, TIE_RESULT, DELTA_Z_RULE, type TieResult, type TiebreakCriteria } from './duplicates/tiebreak-group';
export { parseExpression, compileExpression, holds, columnsOf, type Expression, type ScalarValue } from './expression';
export { PIPELINE_ERROR_CODES, type PipelineError, type PipelineErrorCode } from './errors';
export { Z_ERR_RULE } from './duplicates/resolve-duplicates';
export type { CombineProgress } from './combine/combine-request';
export { makeTrainingSet, DUPLICATE_CRITERIA, type DuplicateCriteria, type TrainingSetRequest, type TrainingSetSummary } from './training-set/make-training-set';
export { parquetToCsv } from './catalog-io/parquet-to-csv';
export { writeOutputFile, OUTPUT_FILE_FORMATS, type OutputFile, type OutputFileFormat } from './catalog-io/output-file';
