import type { CodedError } from '@pz/contracts';
import type { TableErrorCode } from './errors';

/** What a reader found in a table file, in the shapes the registry and `read_data` need. */

/** `hats`: a HATS catalog or collection (HEALPix-partitioned Parquet) uploaded as a zip/tar/tar.gz of its directory. */
/** `qp`: an ensemble of photo-z PDFs written by qp (RAIL), one row per PDF. */
export type TableFormat = 'csv' | 'parquet' | 'hdf5' | 'fits' | 'hats' | 'votable' | 'qp';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type TableRow = Record<string, JsonValue>;

/** Format facts shown by `main_file_info` (CSV delimiter, HDF5 dataset path, FITS extension...). */
export type TableDetails = Record<string, string | number | boolean | null>;

/**
 * `type` is a dtype-like name. CSV gives the coarse `int`, `float`, `bool` or `string` it can
 * infer from text; binary formats give the stored type (`int16`, `uint32`, `float64`, `bool`,
 * `string`, `bytes`, `timestamp`...), with `[n]` appended for fixed-size array cells.
 */
export interface TableColumn {
  readonly name: string;
  readonly type: string;
  /** What the file says of the column, when its format can say it (FITS TUNITn, VOTable unit/ucd, Parquet metadata...). */
  readonly unit?: string;
  readonly ucd?: string;
  readonly description?: string;
}

export interface TableInspection {
  readonly format: TableFormat;
  readonly columns: TableColumn[];
  readonly nRows: number;
  readonly previewRows: TableRow[];
  readonly details: TableDetails;
}

export interface TableRows {
  readonly count: number;
  readonly columns: string[];
  readonly rows: TableRow[];
}

/** Counts the bytes readers take from disk, so benches and tests can check preview cost. */
export interface ReadMeter {
  bytesRead: number;
  reads: number;
}

export const createReadMeter = (): ReadMeter => ({ bytesRead: 0, reads: 0 });

/** Rows `[offset, offset + limit)` of a table. */
export interface RowWindow {
  readonly offset: number;
  readonly limit: number;
}

export interface ReadContext {
  /** The name the file was uploaded under; its extension is a hint when magic bytes say nothing. */
  readonly fileName: string;
  readonly meter?: ReadMeter;
  /** Absolute cap on the bytes one archive member may expand to. */
  readonly maxExtractedBytes: number;
  /** How long a worker may decode pages before the data is deemed hostile (tests shorten it). */
  readonly decodeTimeoutMs?: number;
  /**
   * The row count a full read of this very file already found (registry's). A reader that can
   * only count by reading every row (CSV) then stops after the window and the rows its type
   * inference needs, and reports this count: a later page of a large CSV costs its offset, not
   * the whole file.
   */
  readonly knownRowCount?: number;
}

/** One reader's answer: the table's shape plus the rows of the requested window. */
export interface TableSlice {
  readonly format: TableFormat;
  readonly columns: TableColumn[];
  readonly nRows: number;
  readonly rows: TableRow[];
  readonly details: TableDetails;
  /**
   * Set when the shape is known but rows cannot be decoded (a Parquet codec without a
   * decompressor here): an inspection still succeeds, a request for rows fails with it.
   */
  readonly rowsUnavailable?: CodedError<TableErrorCode>;
}
