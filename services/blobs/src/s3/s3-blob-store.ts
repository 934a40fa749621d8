import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { err, ok, type Result } from '@pz/contracts';
import type { BlobStore } from '../blob-store';
import type { BlobRecord } from '../blob-record';
import { bytesReader } from '../byte-reader';
import { isSha256Hex } from '../content-address';
import { blobErrors, type BlobError } from '../errors';
import type { ByteRange } from '../read-blob';
import type { ContentSource } from '../spool-to-temp-file';
import type { SweepOptions, SweepReport, SweptBlob } from '../sweep-blobs';
import type { WriteOptions, WrittenBlob } from '../write-blob';
import type { S3Location } from './s3-location';
import { chunkStreamReader } from './stream-reader';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Multipart part size and parts in flight: at most 4 × 8 MiB of an upload in memory. */
const PART_BYTES = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;

export interface S3BlobStoreOptions {
  readonly location: S3Location;
  /** Folder for local copies handed out by `localPath` (table readers need a file). */
  readonly cacheDir: string;
  /** Tests pass explicit credentials; the service lets the SDK find them (AWS_ACCESS_KEY_ID…). */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

const isMissing = (error: unknown): boolean => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
};
const isBadRange = (error: unknown): boolean => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'InvalidRange' || e.$metadata?.httpStatusCode === 416;
};

function validRange(range: ByteRange): boolean {
  const { start, end } = range;
  const isOffset = (n: number | undefined): boolean => n === undefined || (Number.isSafeInteger(n) && n >= 0);
  return isOffset(start) && isOffset(end) && (start ?? 0) <= (end ?? Number.POSITIVE_INFINITY);
}

/**
 * The hash store on S3-compatible object storage, shared by every server process. Objects live
 * at `<prefix>sha256/ab/cd/<sha256>` with their size and CRC-32 as object metadata. A write
 * streams the content to a temporary key (`<prefix>tmp/<uuid>`) as a multipart upload, computing
 * sha256 and CRC-32 on the way; only once the bytes are all there, hash as expected and length
 * checked, is the object copied to its address (server-side CopyObject) and the temporary one
 * deleted, so an address never shows partial or wrong content. Ranged GETs serve Range requests
 * and zip entries; `localPath` fetches a verified copy into a local cache for table readers.
 */
export function openS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const { location, cacheDir } = options;
  const { bucket, prefix } = location;
  const client = new S3Client({
    region: location.region,
    ...(location.endpoint ? { endpoint: location.endpoint } : {}),
    forcePathStyle: location.forcePathStyle,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  const keyOf = (sha256: string) => `${prefix}sha256/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
  const tempPrefix = `${prefix}tmp/`;
  const blobPrefix = `${prefix}sha256/`;
  /** Publications of one address in this process take turns, so exactly one reports `created`. */
  const publishing = new Map<string, Promise<unknown>>();

  const head = async (key: string): Promise<HeadObjectCommandOutput | null> => {
    try {
      return await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  };
  const remove = (key: string) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));

  const publish = async (tempKey: string, sha256: string, record: BlobRecord): Promise<boolean> => {
    const key = keyOf(sha256);
    const metadata = { size: String(record.size), crc32: String(record.crc32) };
    const existing = await head(key);
    // Copying onto itself refreshes its age, as writing it again does on disk: a sweep keeps it.
    const source = existing ? key : tempKey;
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: `${bucket}/${encodeURI(source)}`, Metadata: metadata, MetadataDirective: 'REPLACE' }));
    return existing === null;
  };

  const write = async (source: ContentSource, writeOptions: WriteOptions = {}): Promise<Result<WrittenBlob, BlobError>> => {
    const { expectedSha256, maxBytes = Number.POSITIVE_INFINITY } = writeOptions;
    if (expectedSha256 !== undefined && !isSha256Hex(expectedSha256)) return err(blobErrors.invalidHash('expectedSha256'));
    if (!(maxBytes >= 0)) throw new RangeError(`maxBytes must be a non-negative number, got ${maxBytes}`);
    const tempKey = `${tempPrefix}${randomUUID()}`;
    const body = new PassThrough();
    const upload = new Upload({ client, params: { Bucket: bucket, Key: tempKey, Body: body }, partSize: PART_BYTES, queueSize: PARTS_IN_FLIGHT, leavePartsOnError: false });
    const uploaded = upload.done().then(
      () => null,
      (error: unknown) => error,
    );
    const hash = createHash('sha256');
    let crc = 0;
    let size = 0;
    const chunks = source[Symbol.asyncIterator]();
    let sourceEnded = false;
    let failure: BlobError | null = null;
    try {
      for (;;) {
        let step: IteratorResult<Uint8Array | string>;
        try {
          step = await chunks.next();
        } catch (cause) {
          sourceEnded = true;
          failure = blobErrors.sourceFailed(cause);
          break;
        }
        if (step.done === true) {
          sourceEnded = true;
          break;
        }
        // A copy: the source may reuse its buffer once asked for the next chunk.
        const bytes = Buffer.from(typeof step.value === 'string' ? Buffer.from(step.value) : step.value);
        if (size + bytes.length > maxBytes) {
          failure = blobErrors.tooLarge(maxBytes);
          break;
        }
        size += bytes.length;
        hash.update(bytes);
        crc = crc32(bytes, crc);
        if (!body.write(bytes)) {
          const drained = await Promise.race([once(body, 'drain').then(() => null), uploaded]);
          if (drained !== null) throw drained;
        }
      }
    } finally {
      if (!sourceEnded) await chunks.return?.()?.catch(() => undefined);
    }
    if (failure) {
      await upload.abort().catch(() => undefined);
      body.destroy();
      await uploaded;
      await remove(tempKey).catch(() => undefined);
      return err(failure);
    }
    body.end();
    const uploadError = await uploaded;
    if (uploadError !== null) {
      await remove(tempKey).catch(() => undefined);
      throw uploadError;
    }
    const sha256 = hash.digest('hex');
    const record = { size, crc32: crc >>> 0 };
    try {
      if (expectedSha256 !== undefined && expectedSha256 !== sha256) return err(blobErrors.hashMismatch(expectedSha256, sha256));
      // The object holds every byte that was hashed, and no more, before it gets its address.
      const stored = await head(tempKey);
      if (Number(stored?.ContentLength ?? -1) !== size) throw new Error(`S3 upload of ${tempKey} holds ${String(stored?.ContentLength)} bytes, not ${size}`);
      const before = publishing.get(sha256) ?? Promise.resolve();
      const mine = before.catch(() => undefined).then(() => publish(tempKey, sha256, record));
      publishing.set(sha256, mine);
      try {
        const created = await mine;
        return ok({ sha256, size, crc32: record.crc32, created });
      } finally {
        if (publishing.get(sha256) === mine) publishing.delete(sha256);
      }
    } finally {
      await remove(tempKey).catch(() => undefined);
    }
  };

  const readRecord = async (sha256: string): Promise<Result<BlobRecord, BlobError>> => {
    const found = await head(keyOf(sha256));
    if (!found) return err(blobErrors.notFound(sha256));
    const size = Number(found.Metadata?.size);
    const crc = Number(found.Metadata?.crc32);
    if (Number.isSafeInteger(size) && size === Number(found.ContentLength) && Number.isSafeInteger(crc) && crc >= 0 && crc <= 0xffff_ffff) return ok({ size, crc32: crc });
    // Metadata lost or wrong (an object copied in by hand): computed from the content.
    let total = 0;
    let sum = 0;
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(sha256) }));
    for await (const chunk of got.Body as Readable) {
      total += (chunk as Buffer).length;
      sum = crc32(chunk as Buffer, sum);
    }
    return ok({ size: total, crc32: sum >>> 0 });
  };

  const openReader = async (sha256: string, range: ByteRange = {}) => {
    if (!isSha256Hex(sha256)) return err(blobErrors.invalidHash('sha256'));
    if (!validRange(range)) return err(blobErrors.invalidRange(range.start, range.end));
    const { start, end } = range;
    const header = start === undefined && end === undefined ? undefined : `bytes=${start ?? 0}-${end ?? ''}`;
    try {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(sha256), ...(header ? { Range: header } : {}) }));
      const stream = got.Body as Readable;
      return ok(chunkStreamReader(stream, () => stream.destroy()));
    } catch (error) {
      if (isMissing(error)) return err(blobErrors.notFound(sha256));
      // A range starting at or past the end: an empty read, as from a file.
      if (isBadRange(error)) return (await head(keyOf(sha256))) ? ok(bytesReader(new Uint8Array())) : err(blobErrors.notFound(sha256));
      throw error;
    }
  };

  async function* listObjects(listPrefix: string): AsyncGenerator<{ key: string; size: number; modified: Date }> {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: listPrefix, ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of page.Contents ?? []) if (o.Key) yield { key: o.Key, size: Number(o.Size ?? 0), modified: o.LastModified ?? new Date(0) };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  const localPath = async (sha256: string): Promise<Result<string, BlobError>> => {
    if (!isSha256Hex(sha256)) return err(blobErrors.invalidHash('sha256'));
    const file = path.join(cacheDir, 'sha256', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
    if (await stat(file).then(() => true, () => false)) return ok(file);
    const temp = path.join(cacheDir, 'tmp', `${randomUUID()}.blob`);
    await mkdir(path.dirname(temp), { recursive: true });
    let got;
    try {
      got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(sha256) }));
    } catch (error) {
      if (isMissing(error)) return err(blobErrors.notFound(sha256));
      throw error;
    }
    const handle = await open(temp, 'wx', 0o444);
    const hash = createHash('sha256');
    try {
      for await (const chunk of got.Body as Readable) {
        hash.update(chunk as Buffer);
        await handle.write(chunk as Buffer);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (hash.digest('hex') !== sha256) {
      await rm(temp, { force: true });
      throw new Error(`the object stored for ${sha256} does not hash to it: the bucket was changed outside this store`);
    }
    await mkdir(path.dirname(file), { recursive: true });
    await rename(temp, file);
    return ok(file);
  };

  return {
    root: `s3://${bucket}/${prefix}`,
    write,
    async has(sha256) {
      return isSha256Hex(sha256) && (await head(keyOf(sha256))) !== null;
    },
    async stat(sha256) {
      if (!isSha256Hex(sha256)) return err(blobErrors.invalidHash('sha256'));
      return readRecord(sha256);
    },
    localPath,
    openReader,
    async *list() {
      for await (const o of listObjects(blobPrefix)) {
        const name = o.key.slice(o.key.lastIndexOf('/') + 1);
        if (isSha256Hex(name) && o.key === keyOf(name)) yield name;
      }
    },
    async sweep(sweepOptions: SweepOptions): Promise<SweepReport> {
      const { isReferenced, dryRun = false, tempOlderThanMs = DAY_MS, blobOlderThanMs = DAY_MS } = sweepOptions;
      const unreferenced: SweptBlob[] = [];
      for await (const o of listObjects(blobPrefix)) {
        const sha256 = o.key.slice(o.key.lastIndexOf('/') + 1);
        if (!isSha256Hex(sha256) || o.key !== keyOf(sha256)) continue;
        if (Date.now() - o.modified.getTime() < blobOlderThanMs) continue;
        if (await isReferenced(sha256)) continue;
        // Looked at again just before removal: a write of the same content refreshes its age.
        const again = await head(o.key);
        if (!again || Date.now() - (again.LastModified ?? new Date()).getTime() < blobOlderThanMs) continue;
        if (!dryRun) await remove(o.key);
        unreferenced.push({ sha256, size: Number(again.ContentLength ?? o.size) });
      }
      const staleTempFiles: string[] = [];
      for await (const o of listObjects(tempPrefix)) {
        if (Date.now() - o.modified.getTime() < tempOlderThanMs) continue;
        if (!dryRun) await remove(o.key);
        staleTempFiles.push(o.key.slice(tempPrefix.length));
      }
      return { unreferenced, staleTempFiles, orphanedRecords: [] };
    },
  };
}
