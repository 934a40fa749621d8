import { describe, expect, it } from 'vitest';
import { parseS3Url } from './s3-location';

describe('BLOB_URL', () => {
  it('names a bucket, a prefix, an endpoint (path style by default) and a region', () => {
    expect(parseS3Url('s3://photoz/blobs/?endpoint=http://minio:9000&region=eu-west-3')).toEqual({ bucket: 'photoz', prefix: 'blobs/', endpoint: 'http://minio:9000', region: 'eu-west-3', forcePathStyle: true });
    expect(parseS3Url('s3://photoz')).toEqual({ bucket: 'photoz', prefix: '', region: 'us-east-1', forcePathStyle: false });
    expect(parseS3Url('s3://photoz?endpoint=http://x&forcePathStyle=false').forcePathStyle).toBe(false);
  });

  it('refuses anything else', () => {
    for (const bad of ['http://photoz', 's3://', 'photoz', '']) expect(() => parseS3Url(bad)).toThrow(/BLOB_URL/);
  });
});
