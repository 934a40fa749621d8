import type { CodedError } from '@pz/contracts';

/**
 * Every failure the hash store reports as a value. Callers branch on `code`; messages are for
 * people and may change. Unexpected I/O failures (a full disk, a permission problem) are thrown
 * after cleanup instead: no caller can decide anything better than "fail the request".
 */
export type BlobErrorCode =
  | 'BLOB_TOO_LARGE'
  | 'BLOB_HASH_MISMATCH'
  | 'BLOB_SOURCE_FAILED'
  | 'BLOB_NOT_FOUND'
  | 'BLOB_INVALID_HASH'
  | 'BLOB_INVALID_RANGE';

export type BlobError = CodedError<BlobErrorCode>;

export const blobErrors = {
  tooLarge: (maxBytes: number): BlobError => ({
    code: 'BLOB_TOO_LARGE',
    message: `the content is larger than the limit of ${maxBytes} bytes`,
  }),
  hashMismatch: (expected: string, actual: string): BlobError => ({
    code: 'BLOB_HASH_MISMATCH',
    message: `the content has sha256 ${actual}, not the expected ${expected}`,
    field: 'expectedSha256',
  }),
  sourceFailed: (cause: unknown): BlobError => ({
    code: 'BLOB_SOURCE_FAILED',
    message: `the content stream failed before its end: ${describe(cause)}`,
  }),
  notFound: (sha256: string): BlobError => ({
    code: 'BLOB_NOT_FOUND',
    message: `no blob with sha256 ${sha256} is stored`,
    field: 'sha256',
  }),
  invalidHash: (field: string): BlobError => ({
    code: 'BLOB_INVALID_HASH',
    message: 'a sha256 must be 64 lowercase hexadecimal characters',
    field,
  }),
  invalidRange: (start: number | undefined, end: number | undefined): BlobError => ({
    code: 'BLOB_INVALID_RANGE',
    message: `the byte range ${start ?? ''}-${end ?? ''} is not a pair of non-negative integers with start <= end`,
  }),
} as const;

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
