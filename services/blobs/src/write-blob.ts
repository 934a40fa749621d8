import { err, ok, type Result } from '@pz/contracts';
import { isSha256Hex, type StoreLayout } from './content-address';
import { removeIfPresent } from './durable-fs';
import { blobErrors, type BlobError } from './errors';
import { publishBlob } from './publish-blob';
import { spoolToTempFile, type ContentDigest, type ContentSource } from './spool-to-temp-file';

export interface WriteOptions {
  /** Reading stops, and nothing is stored, as soon as the content passes this many bytes. */
  readonly maxBytes?: number;
  /** The hash the client announced; content that hashes otherwise is not stored. */
  readonly expectedSha256?: string;
}

export interface WrittenBlob extends ContentDigest {
  /** False when the same content was already stored (deduplicated). */
  readonly created: boolean;
}

export async function writeBlob(
  layout: StoreLayout,
  source: ContentSource,
  options: WriteOptions = {},
): Promise<Result<WrittenBlob, BlobError>> {
  const { expectedSha256, maxBytes = Number.POSITIVE_INFINITY } = options;
  if (expectedSha256 !== undefined && !isSha256Hex(expectedSha256)) {
    return err(blobErrors.invalidHash('expectedSha256'));
  }
  if (!(maxBytes >= 0)) throw new RangeError(`maxBytes must be a non-negative number, got ${maxBytes}`);

  const spooled = await spoolToTempFile(source, layout.tempDirectory, maxBytes);
  if (!spooled.ok) return spooled;
  const { tempPath, ...digest } = spooled.value;
  try {
    if (expectedSha256 !== undefined && expectedSha256 !== digest.sha256) {
      return err(blobErrors.hashMismatch(expectedSha256, digest.sha256));
    }
    const created = await publishBlob(layout, tempPath, digest);
    return ok({ ...digest, created });
  } finally {
    await removeIfPresent(tempPath);
  }
}
