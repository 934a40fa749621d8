/** Where an S3-compatible store keeps the blobs, parsed from `BLOB_URL`. */
export interface S3Location {
  readonly bucket: string;
  /** Key prefix, '' or ending in '/'. */
  readonly prefix: string;
  /** An S3-compatible server (MinIO, Ceph, s3rver…); absent means AWS itself. */
  readonly endpoint?: string;
  readonly region: string;
  /** `bucket` in the path rather than the host name (what most S3-compatible servers want). */
  readonly forcePathStyle: boolean;
}

/**
 * `s3://bucket[/prefix]?endpoint=http://host:9000&region=us-east-1&forcePathStyle=true`.
 * Credentials are not part of it: the SDK reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or
 * a profile, or an instance role). Path style is the default when an endpoint is given.
 */
export function parseS3Url(text: string): S3Location {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`BLOB_URL must be s3://bucket[/prefix]?endpoint=…&region=…, got "${text}"`);
  }
  if (url.protocol !== 's3:' || url.hostname === '') throw new Error(`BLOB_URL must be s3://bucket[/prefix]?endpoint=…&region=…, got "${text}"`);
  const path = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  const endpoint = url.searchParams.get('endpoint') ?? undefined;
  const pathStyle = url.searchParams.get('forcePathStyle');
  return {
    bucket: url.hostname,
    prefix: path === '' ? '' : `${path}/`,
    ...(endpoint ? { endpoint } : {}),
    region: url.searchParams.get('region') ?? 'us-east-1',
    forcePathStyle: pathStyle === null ? endpoint !== undefined : pathStyle === 'true',
  };
}
