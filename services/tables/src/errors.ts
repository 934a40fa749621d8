import type { CodedError } from '@pz/contracts';
import { err, type Err } from '@pz/contracts';

/** Every failure a table reader reports, declared once; callers test codes, not messages. */
export const TABLE_ERROR_CODES = [
  /** The bytes cannot be parsed as the table format they claim or appear to be. */
  'TABLE_UNREADABLE',
  /** The file holds nothing: zero bytes, or no records. */
  'TABLE_EMPTY',
  /** A recognised format that uses a feature these readers do not decode. */
  'TABLE_FORMAT_UNSUPPORTED',
  /** The file ends before the data its own header declares. */
  'TABLE_TRUNCATED',
  /** A readable container (FITS, HDF5) with no table in it. */
  'TABLE_NOT_FOUND',
  /** A zip/tar/gzip that is broken or does not hold exactly one table. */
  'TABLE_ARCHIVE_INVALID',
  /** An archive member expands beyond the extraction cap (zip bomb defence). */
  'TABLE_ARCHIVE_TOO_LARGE',
  /** The file could not be opened or read from disk. */
  'TABLE_FILE_UNAVAILABLE',
  /** The file points at data outside itself (HDF5 external storage, external link, virtual dataset). */
  'TABLE_EXTERNAL_REFERENCE',
  /** Reading the file would pass a limit of time, memory or size (see docs/reliability.md, "Hostile files"). */
  'TABLE_LIMIT_EXCEEDED',
  /** Every table reader of this process is busy: try again shortly (never recorded against the file). */
  'TABLE_BUSY',
  /** This requester already has as many table reads running as allowed (never recorded against the file). */
  'TABLE_TOO_MANY_READS',
  /**
   * The file declares a specific layout (an HDF5 naming a qp parameterisation) that it then
   * breaks: refused whatever the product type, never kept as a plain file.
   */
  'TABLE_LAYOUT_BROKEN',
] as const;

export type TableErrorCode = (typeof TABLE_ERROR_CODES)[number];

export type TableError = CodedError<TableErrorCode>;

export const tableError = (code: TableErrorCode, message: string, field?: string): TableError =>
  field === undefined ? { code, message } : { code, message, field };

export const tableFailure = (code: TableErrorCode, message: string, field?: string): Err<TableError> =>
  err(tableError(code, message, field));

/**
 * A decoder's own words when it says what is wrong; a TypeError or RangeError only says that it
 * walked off the structure it expected, which, for a file, means the bytes are corrupt.
 */
const describeCause = (cause: unknown): string => {
  if (cause instanceof TypeError || cause instanceof RangeError) return 'its bytes are corrupt (the decoder failed on them)';
  return cause instanceof Error ? cause.message : String(cause);
};

/**
 * The last line of defence: a library threw where we expected a value. The message keeps the
 * library's words, since they usually name the problem (e.g. "invalid snappy length").
 */
export const unexpectedFailure = (formatLabel: string, cause: unknown): Err<TableError> =>
  tableFailure('TABLE_UNREADABLE', `${formatLabel} could not be read: ${describeCause(cause)}`);

export const fileUnavailable = (cause: unknown): Err<TableError> =>
  tableFailure('TABLE_FILE_UNAVAILABLE', `The file could not be read from disk: ${describeCause(cause)}`);
