import { open, stat, type FileHandle } from 'node:fs/promises';
import { err, ok, type Result } from '@pz/contracts';
import { fileRangeReader, type ByteReader } from './byte-reader';
import { computeBlobRecord, readBlobRecord, writeBlobRecord, type BlobRecord } from './blob-record';
import { isSha256Hex, type StoreLayout } from './content-address';
import { isNotFound } from './durable-fs';
import { blobErrors, type BlobError } from './errors';

/** Byte offsets, both inclusive, like an HTTP `Range`. */
export interface ByteRange {
  readonly start?: number;
  readonly end?: number;
}

export function blobPath(layout: StoreLayout, sha256: string): Result<string, BlobError> {
  return isSha256Hex(sha256) ? ok(layout.addressOf(sha256).dataPath) : err(blobErrors.invalidHash('sha256'));
}

export async function hasBlob(layout: StoreLayout, sha256: string): Promise<boolean> {
  if (!isSha256Hex(sha256)) return false;
  return (await fileSize(layout.addressOf(sha256).dataPath)) !== null;
}

/**
 * Size and CRC-32 of a stored blob. A record that is missing or disagrees with the content's size
 * (a crash, or files copied by hand) is rebuilt from the content, once.
 */
export async function statBlob(layout: StoreLayout, sha256: string): Promise<Result<BlobRecord, BlobError>> {
  if (!isSha256Hex(sha256)) return err(blobErrors.invalidHash('sha256'));
  const address = layout.addressOf(sha256);
  const size = await fileSize(address.dataPath);
  if (size === null) return err(blobErrors.notFound(sha256));
  const record = await readBlobRecord(address.recordPath);
  if (record !== null && record.size === size) return ok(record);
  const rebuilt = await computeBlobRecord(address.dataPath);
  await writeBlobRecord(address.recordPath, rebuilt, layout.tempDirectory);
  return ok(rebuilt);
}

/** Bytes `start..end` of a blob (both inclusive; the whole blob by default), read into the caller's buffers. */
export async function openBlobReader(
  layout: StoreLayout,
  sha256: string,
  range: ByteRange = {},
): Promise<Result<ByteReader, BlobError>> {
  const opened = await openBlobFile(layout, sha256, range);
  if (!opened.ok) return opened;
  return ok(fileRangeReader(opened.value, range.start ?? 0, range.end));
}

/**
 * Opening now, rather than at the first read, turns a missing blob into a value instead of a
 * later failure, and keeps the content readable if a sweep removes it.
 */
async function openBlobFile(layout: StoreLayout, sha256: string, range: ByteRange): Promise<Result<FileHandle, BlobError>> {
  if (!isSha256Hex(sha256)) return err(blobErrors.invalidHash('sha256'));
  const { start, end } = range;
  const isOffset = (n: number | undefined): boolean => n === undefined || (Number.isSafeInteger(n) && n >= 0);
  if (!isOffset(start) || !isOffset(end) || (start ?? 0) > (end ?? Number.POSITIVE_INFINITY)) {
    return err(blobErrors.invalidRange(start, end));
  }
  try {
    return ok(await open(layout.addressOf(sha256).dataPath, 'r'));
  } catch (error) {
    if (isNotFound(error)) return err(blobErrors.notFound(sha256));
    throw error;
  }
}

async function fileSize(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
