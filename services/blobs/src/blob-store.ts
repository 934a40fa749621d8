import path from 'node:path';
import { err, type Result } from '@pz/contracts';
import type { BlobRecord } from './blob-record';
import { StoreLayout } from './content-address';
import { ensureDirectory } from './durable-fs';
import { blobErrors, type BlobError } from './errors';
import { listBlobs } from './list-blobs';
import type { ByteReader } from './byte-reader';
import { blobPath, hasBlob, openBlobReader, statBlob, type ByteRange } from './read-blob';
import type { ContentSource } from './spool-to-temp-file';
import { sweepBlobs, type SweepOptions, type SweepReport } from './sweep-blobs';
import { writeBlob, type WriteOptions, type WrittenBlob } from './write-blob';

/**
 * A content-addressed store: each blob lives at `<root>/sha256/ab/cd/abcd…`, named by the sha256
 * of its bytes, with its size and CRC-32 in `abcd….json` beside it. Every method that takes a hash
 * checks it is 64 lowercase hex characters before it becomes part of a path.
 */
export interface BlobStore {
  /** Where the blobs are: a folder, or `s3://bucket/prefix`. */
  readonly root: string;
  /**
   * Streams `source` into the store. Content is visible at its address only once complete and
   * durable; a failed write leaves nothing behind. Storing content that is already there is a
   * success with `created: false`.
   */
  write(source: ContentSource, options?: WriteOptions): Promise<Result<WrittenBlob, BlobError>>;
  has(sha256: string): Promise<boolean>;
  stat(sha256: string): Promise<Result<BlobRecord, BlobError>>;
  /**
   * A local file holding the blob, for readers that need a path (table formats): the store's own
   * file, or a copy fetched into a local cache (object storage). Read-only; never modify it.
   */
  localPath(sha256: string): Promise<Result<string, BlobError>>;
  /** Bytes `start..end` of a blob (the whole blob by default), read into the caller's buffers. */
  openReader(sha256: string, range?: ByteRange): Promise<Result<ByteReader, BlobError>>;
  list(): AsyncIterable<string>;
  /** Removes blobs no event names, and temp files of writes that died. */
  sweep(options: SweepOptions): Promise<SweepReport>;
}

/** The filesystem store, which also hands out the path of a stored blob at once. */
export interface FileBlobStore extends BlobStore {
  /** For `sendFile`-style serving; the file is read-only and must not be modified. */
  pathOf(sha256: string): Result<string, BlobError>;
}

export async function openBlobStore(rootDir: string): Promise<FileBlobStore> {
  const layout = new StoreLayout(path.resolve(rootDir));
  await ensureDirectory(layout.tempDirectory);
  await ensureDirectory(layout.blobsDirectory);
  return {
    root: layout.root,
    write: (source, options) => writeBlob(layout, source, options),
    has: (sha256) => hasBlob(layout, sha256),
    stat: (sha256) => statBlob(layout, sha256),
    pathOf: (sha256) => blobPath(layout, sha256),
    localPath: async (sha256) => {
      const located = blobPath(layout, sha256);
      if (!located.ok || (await hasBlob(layout, sha256))) return located;
      return err(blobErrors.notFound(sha256));
    },
    openReader: (sha256, range) => openBlobReader(layout, sha256, range),
    list: () => listBlobs(layout),
    sweep: (options) => sweepBlobs(layout, options),
  };
}
