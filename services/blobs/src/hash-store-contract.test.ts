import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { openBlobStore } from './blob-store';
import { hashStoreContract } from './hash-store-contract';
import { startS3rver } from './s3/s3rver-testing';
import { openS3BlobStore } from './s3/s3-blob-store';
import { temporaryDirectory } from './testing';

hashStoreContract('filesystem', async () => {
  const dir = await temporaryDirectory();
  return {
    store: await openBlobStore(dir.path),
    leftovers: () => readdir(path.join(dir.path, 'tmp')),
    remove: () => dir.remove(),
  };
});

hashStoreContract('S3 (s3rver on loopback)', async () => {
  const server = await startS3rver();
  const cache = await temporaryDirectory();
  const store = openS3BlobStore({ location: server.location, cacheDir: cache.path, credentials: server.credentials });
  return {
    store,
    leftovers: () => server.keys('tmp/'),
    async remove() {
      await server.stop();
      await cache.remove();
    },
  };
});
