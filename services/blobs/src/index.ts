export { openBlobStore, type BlobStore } from './blob-store';
export type { BlobRecord } from './blob-record';
export { isSha256Hex } from './content-address';
export { blobErrors, type BlobError, type BlobErrorCode } from './errors';
export type { ByteRange } from './read-blob';
export { sha256Portable } from './sha256-portable';
export type { ContentDigest, ContentSource } from './spool-to-temp-file';
export type { SweepOptions, SweepReport, SweptBlob } from './sweep-blobs';
export type { WriteOptions, WrittenBlob } from './write-blob';
