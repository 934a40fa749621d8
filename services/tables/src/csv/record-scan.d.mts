/** Types of record-scan.mjs (plain JavaScript, so a worker thread can run it as is). */

export declare const MAX_RECORD_BYTES: number;
export declare const SCAN_BUFFER_BYTES: number;
export declare const ROW_INDEX_EVERY: number;

/** How delimited text without quotes is scanned: WebAssembly SIMD, or 32-bit words in JavaScript. */
export type PlainEngine = 'simd' | 'words';
/** 'simd' where the runtime has WebAssembly SIMD. */
export declare const DEFAULT_PLAIN_ENGINE: PlainEngine;

export interface ScanDialect {
  readonly delimiter: ',' | ';' | '\t' | 'whitespace';
  readonly hasComments: boolean;
}

export interface ScanOptions {
  /** Leading records that are not data rows (1 with a header line): the row index starts after them. */
  readonly headerRecords?: number;
  /** Called with the bytes scanned so far, about once per 16 MB. */
  readonly onProgress?: (bytesScanned: number) => void;
  /** Read buffer size, a multiple of 4 (tests make it small to cross buffer boundaries). */
  readonly bufferBytes?: number;
  /** Defaults to DEFAULT_PLAIN_ENGINE; 'simd' throws where the runtime lacks it (tests pick each). */
  readonly engine?: PlainEngine;
}

export type ScanOutcome =
  | {
      readonly ok: true;
      /** Records that are neither blank nor comments, the header line among them. */
      readonly records: number;
      /** Fields of the first record; -1 when there is none. */
      readonly width: number;
      /** `rowIndex[k]`: byte offset of data row `k * ROW_INDEX_EVERY`. */
      readonly rowIndex: number[];
      readonly bytes: number;
    }
  | {
      readonly ok: false;
      readonly kind: 'ragged' | 'quote' | 'utf8' | 'too-large';
      readonly message: string;
      readonly line?: number;
      readonly fields?: number;
      readonly width?: number;
    };

export declare function scanRecords(filePath: string, dialect: ScanDialect, options?: ScanOptions): ScanOutcome;
