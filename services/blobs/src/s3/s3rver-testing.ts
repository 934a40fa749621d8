import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { temporaryDirectory } from '../testing';
import type { S3Location } from './s3-location';

/** An S3 server (s3rver) on a free loopback port with one empty bucket, for tests and the cluster test. */
export interface TestS3 {
  readonly location: S3Location;
  readonly url: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  /** Keys under `prefix` in the bucket. */
  keys(prefix: string): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startS3rver(bucket = 'pz-blobs'): Promise<TestS3> {
  const dir = await temporaryDirectory();
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir.path, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const location: S3Location = { bucket, prefix: '', endpoint, region: 'us-east-1', forcePathStyle: true };
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
  return {
    location,
    url: `s3://${bucket}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1`,
    credentials,
    async keys(prefix) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (page.Contents ?? []).map((o) => o.Key ?? '');
    },
    async stop() {
      client.destroy();
      await server.close();
      await dir.remove();
    },
  };
}
