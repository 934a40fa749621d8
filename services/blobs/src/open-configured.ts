import { openBlobStore, type BlobStore } from './blob-store';
import { openS3BlobStore } from './s3/s3-blob-store';
import { parseS3Url } from './s3/s3-location';

/**
 * The hash store the configuration names: S3-compatible object storage when `blobUrl` is set
 * (`BLOB_URL=s3://…`; `blobDir` then only caches local copies for table readers), else the
 * folder `blobDir` (the embedded default).
 */
export async function openConfiguredBlobStore(config: { readonly blobUrl: string | null; readonly blobDir: string }): Promise<BlobStore> {
  if (config.blobUrl) return openS3BlobStore({ location: parseS3Url(config.blobUrl), cacheDir: config.blobDir });
  return openBlobStore(config.blobDir);
}
