import { writeBlobRecord } from './blob-record';
import type { StoreLayout } from './content-address';
import { ensureDirectory, fsyncDirectory, linkIfAbsent, touchIfPresent } from './durable-fs';
import type { ContentDigest } from './spool-to-temp-file';

/**
 * Gives a complete temp file its content address. Returns true when this call stored the content,
 * false when it was already stored (the temp file is then left for the caller to remove).
 *
 * The record is made durable before the content appears, so a blob visible at its address always
 * has its size and CRC-32 beside it. Finding the content already there refreshes its mtime, which
 * is what a sweep's grace period measures: a blob just written again is about to be referenced.
 */
export async function publishBlob(layout: StoreLayout, tempPath: string, digest: ContentDigest): Promise<boolean> {
  const address = layout.addressOf(digest.sha256);
  if (await touchIfPresent(address.dataPath)) return false;
  await ensureDirectory(address.directory);
  await writeBlobRecord(address.recordPath, { size: digest.size, crc32: digest.crc32 }, layout.tempDirectory);
  const created = await linkIfAbsent(tempPath, address.dataPath);
  if (created) await fsyncDirectory(address.directory);
  else await touchIfPresent(address.dataPath);
  return created;
}
