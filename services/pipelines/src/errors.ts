import { err, type CodedError, type Err } from '@pz/contracts';

/** Every failure the pipelines can report; callers test these codes, never the messages. */
export const PIPELINE_ERROR_CODES = [
  /** A condition of the translation rules is not in the expression language (syntax, unknown name). */
  'EXPRESSION_INVALID',
  /** An expression is longer or deeper than the evaluator accepts. */
  'EXPRESSION_TOO_COMPLEX',
  /** The flags translation document is not the shape the pipeline reads. */
  'TRANSLATION_RULES_INVALID',
  /** The combine request itself is wrong (no inputs, duplicate sources, bad mode, bad radius). */
  'COMBINE_REQUEST_INVALID',
  /** An input file could not be read or is not a table the pipeline reads (Parquet, CSV). */
  'INPUT_UNREADABLE',
  'INPUT_FORMAT_UNSUPPORTED',
  /** A column named in an input's column association is not in its file. */
  'INPUT_COLUMN_MISSING',
  /** The combined catalog could not be written. */
  'OUTPUT_UNWRITABLE',
] as const;

export type PipelineErrorCode = (typeof PIPELINE_ERROR_CODES)[number];
export type PipelineError = CodedError<PipelineErrorCode>;

export const pipelineError = (code: PipelineErrorCode, message: string, field?: string): PipelineError =>
  field === undefined ? { code, message } : { code, message, field };

export const pipelineFailure = (code: PipelineErrorCode, message: string, field?: string): Err<PipelineError> =>
  err(pipelineError(code, message, field));

export const describeCause = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause));
