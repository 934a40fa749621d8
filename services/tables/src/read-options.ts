import type { ExtractedArchiveMember, ReadContext, ReadMeter, RowIndex } from './types';

/** Archive members may not expand beyond this unless the caller sets its own cap. */
export const DEFAULT_MAX_EXTRACTED_BYTES = 4 * 1024 ** 3;

/** What callers of the table readers (`inspectTable`, `readTableRows`) may set about a read. */
export interface TableReadOptions {
  /** The name the file was uploaded under (format hint when magic bytes are inconclusive). */
  readonly fileName: string;
  /** Absolute cap on an archive member's extracted size (the 20x ratio applies as well). */
  readonly maxExtractedBytes?: number;
  /** Counts bytes read from disk, for benches and tests of preview cost. */
  readonly readMeter?: ReadMeter;
  /** How long Parquet pages may take to decode before the file is deemed hostile (default 30 s). */
  readonly decodeTimeoutMs?: number;
  /** The count a full read of this very file found (see `ReadContext.knownRowCount`). */
  readonly knownRowCount?: number;
  /** Who asks (a user id): one user may run only a few decodes at once (TABLE_TOO_MANY_READS past that). */
  readonly requester?: string;
  /** The row index registry kept for this very file (see `TableInspection.rowIndex`). */
  readonly rowIndex?: RowIndex;
  /** Progress of the counting scan of a text table: bytes scanned of the total. */
  readonly onProgress?: (bytesScanned: number, totalBytes: number) => void;
  /** Sees an archive's extracted member before it is removed (see `ReadContext.onArchiveMember`). */
  readonly onArchiveMember?: (member: ExtractedArchiveMember) => Promise<void>;
}

/** The readers' context for these options, with the defaults filled in. */
export function readContextOf(options: TableReadOptions): ReadContext {
  return {
    fileName: options.fileName,
    meter: options.readMeter,
    maxExtractedBytes: options.maxExtractedBytes ?? DEFAULT_MAX_EXTRACTED_BYTES,
    ...(options.decodeTimeoutMs === undefined ? {} : { decodeTimeoutMs: options.decodeTimeoutMs }),
    ...(options.knownRowCount === undefined ? {} : { knownRowCount: options.knownRowCount }),
    ...(options.requester === undefined ? {} : { requester: options.requester }),
    ...(options.rowIndex === undefined ? {} : { rowIndex: options.rowIndex }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.onArchiveMember === undefined ? {} : { onArchiveMember: options.onArchiveMember }),
  };
}
