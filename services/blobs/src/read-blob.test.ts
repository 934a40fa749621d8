import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBlobStore, type FileBlobStore as BlobStore } from './blob-store';
import { asyncChunks, deterministicBytes, readerBytes, temporaryDirectory, type TemporaryDirectory } from './testing';

const content = Buffer.from(deterministicBytes(3_000_000, 3));
const sha256 = createHash('sha256').update(content).digest('hex');
const absent = 'f'.repeat(64);
const INVALID = ['../../../etc/passwd', 'F'.repeat(64), `${sha256.slice(0, 63)}/`, '', `${sha256}.json`];

let dir: TemporaryDirectory;
let store: BlobStore;

beforeAll(async () => {
  dir = await temporaryDirectory();
  store = await openBlobStore(dir.path);
  await store.write(asyncChunks([content]));
});
afterAll(() => dir.remove());

/** The bytes of a range, read through one reused buffer of `bufferBytes`; the reader refuses reads once closed. */
async function read(range: { start?: number; end?: number } | undefined, bufferBytes = 1 << 20): Promise<Buffer> {
  const opened = await store.openReader(sha256, range);
  if (!opened.ok) throw new Error(opened.error.code);
  const reader = opened.value;
  const bytes = await readerBytes(reader, bufferBytes);
  await reader.close();
  await expect(reader.read(Buffer.alloc(1))).rejects.toThrow(/read after close/);
  return bytes;
}

describe('openReader', () => {
  it.each([
    ['the whole blob', undefined, [0, 3_000_000]],
    ['a middle range, end inclusive', { start: 1_000_000, end: 2_500_000 }, [1_000_000, 2_500_001]],
    ['one byte', { start: 17, end: 17 }, [17, 18]],
    ['from an offset to the end', { start: 2_999_990 }, [2_999_990, 3_000_000]],
    ['a prefix', { end: 99 }, [0, 100]],
    ['a range running past the end', { start: 2_999_999, end: 5_000_000 }, [2_999_999, 3_000_000]],
  ])('reads %s into the caller\'s buffer', async (_, range, [from, to]) => {
    for (const bufferBytes of [1, 65_537, 1 << 20]) {
      if (bufferBytes === 1 && (to ?? 0) - (from ?? 0) > 100) continue;
      expect((await read(range, bufferBytes)).equals(content.subarray(from, to)), `buffer of ${bufferBytes}`).toBe(true);
    }
  });

  it.each([
    { start: -1 },
    { start: 10, end: 9 },
    { start: 1.5 },
    { end: Number.NaN },
  ])('rejects the range %o', async (range) => {
    const opened = await store.openReader(sha256, range);
    expect(opened.ok || opened.error.code).toBe('BLOB_INVALID_RANGE');
  });

  it('reports a blob that is not stored', async () => {
    const opened = await store.openReader(absent);
    expect(opened.ok || opened.error.code).toBe('BLOB_NOT_FOUND');
  });
});

describe('has, stat and pathOf', () => {
  it('know stored blobs from absent ones', async () => {
    expect(await store.has(sha256)).toBe(true);
    expect(await store.has(absent)).toBe(false);
    expect(await store.stat(sha256)).toEqual({ ok: true, value: { size: content.length, crc32: crc32(content) } });
    const missing = await store.stat(absent);
    expect(missing.ok || missing.error.code).toBe('BLOB_NOT_FOUND');
  });

  it.each(INVALID)('reject the hash %j everywhere', async (hash) => {
    expect(await store.has(hash)).toBe(false);
    for (const result of [await store.stat(hash), store.pathOf(hash), await store.openReader(hash)]) {
      expect(result).toEqual({ ok: false, error: expect.objectContaining({ code: 'BLOB_INVALID_HASH', field: 'sha256' }) });
    }
  });

  it('rebuilds a record that is missing or does not match the content', async () => {
    const pathOf = store.pathOf(sha256);
    if (!pathOf.ok) throw new Error(pathOf.error.code);
    const recordPath = `${pathOf.value}.json`;
    const expected = { ok: true, value: { size: content.length, crc32: crc32(content) } };

    await rm(recordPath);
    expect(await store.stat(sha256)).toEqual(expected);
    await rm(recordPath);
    await writeFile(recordPath, JSON.stringify({ size: 5, crc32: 1 }));
    expect(await store.stat(sha256)).toEqual(expected);
    await rm(recordPath);
    await writeFile(recordPath, '{"size":');
    expect(await store.stat(sha256)).toEqual(expected);
  });
});

describe('list', () => {
  it('yields every stored hash and nothing else', async () => {
    const other = await store.write(asyncChunks([Buffer.from('other')]));
    if (!other.ok) throw new Error(other.error.code);
    const leaf = path.join(dir.path, 'sha256', sha256.slice(0, 2), sha256.slice(2, 4));
    await writeFile(path.join(leaf, '.DS_Store'), 'not a blob');
    await writeFile(path.join(leaf, '..', 'notes.txt'), 'not a blob');

    const hashes: string[] = [];
    for await (const hash of store.list()) hashes.push(hash);
    expect(hashes.sort()).toEqual([sha256, other.value.sha256].sort());
  });
});
