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

/**
 * Byte offsets of every `every`-th data row of a text table (`offsets[k]` is where row
 * `k * every` starts), found by the counting scan, so a deep page seeks instead of parsing
 * everything before it.
 */
export interface RowIndex {
  readonly every: number;
  readonly offsets: readonly number[];
}

export interface TableInspection {
  readonly format: TableFormat;
  readonly columns: TableColumn[];
  readonly nRows: number;
  readonly previewRows: TableRow[];
  readonly details: TableDetails;
  /** Text tables: where deep pages start (keep it and pass it back to `readTableRows`). */
  readonly rowIndex?: RowIndex;
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
  /** Who asks (a user id): bounds the decodes one user may run at once. */
  readonly requester?: string;
  /**
   * Check the whole file's structure, not only what the window needs (Parquet: every page
   * header). Registry asks it once (`inspectTable`), so later pages need not.
   */
  readonly checkEveryPage?: boolean;
  /** The row index registry's scan found for this very file (text tables). */
  readonly rowIndex?: RowIndex;
  /** Told the bytes scanned so far while a text table is counted (about every 16 MB). */
  readonly onProgress?: (bytesScanned: number, totalBytes: number) => void;
  /**
   * Called with the extracted member of an archive while it still exists (registry keeps it, so
   * previews read it directly instead of extracting the archive again).
   */
  readonly onArchiveMember?: (member: ExtractedArchiveMember) => Promise<void>;
}

export interface ExtractedArchiveMember {
  /** The member's path inside the archive. */
  readonly memberName: string;
  /** Where it was extracted to; removed after the callback returns. */
  readonly filePath: string;
  /** zip, tar, tar.gz or gzip. */
  readonly archiveFormat: string;
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
  /** Text tables, when the counting scan ran. */
  readonly rowIndex?: RowIndex;
}
