import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openBlobStore, type FileBlobStore as BlobStore } from './blob-store';
import {
  asyncChunks,
  deterministicBytes,
  failingAfter,
  filesIn,
  slices,
  temporaryDirectory,
  type TemporaryDirectory,
} from './testing';

const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

let dir: TemporaryDirectory;
let store: BlobStore;

beforeEach(async () => {
  dir = await temporaryDirectory();
  store = await openBlobStore(dir.path);
});
afterEach(() => dir.remove());

async function storedHashes(): Promise<string[]> {
  const hashes: string[] = [];
  for await (const sha256 of store.list()) hashes.push(sha256);
  return hashes.sort();
}

async function expectNothingLeftBehind(content: Uint8Array): Promise<void> {
  expect(await store.has(sha256Of(content))).toBe(false);
  expect(await storedHashes()).toEqual([]);
  expect(await filesIn(path.join(dir.path, 'tmp'))).toEqual([]);
}

describe('write', () => {
  it('stores content at its sha256 address with its size and CRC-32', async () => {
    const content = deterministicBytes(3_000_000);
    const result = await store.write(asyncChunks(slices(content, [65_536, 1, 1_048_577])));

    const sha256 = sha256Of(content);
    expect(result).toEqual({ ok: true, value: { sha256, size: content.length, crc32: crc32(content), created: true } });
    const file = path.join(dir.path, 'sha256', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
    expect(store.pathOf(sha256)).toEqual({ ok: true, value: file });
    expect(Buffer.compare(await readFile(file), content)).toBe(0);
    expect((await stat(file)).mode & 0o222).toBe(0);
    expect(JSON.parse(await readFile(`${file}.json`, 'utf8'))).toEqual({ size: content.length, crc32: crc32(content) });
    expect(await store.stat(sha256)).toEqual({ ok: true, value: { size: content.length, crc32: crc32(content) } });
    expect(await filesIn(path.join(dir.path, 'tmp'))).toEqual([]);
  });

  it('stores empty content', async () => {
    const result = await store.write(asyncChunks([]));
    expect(result).toEqual({ ok: true, value: { sha256: sha256Of(new Uint8Array()), size: 0, crc32: 0, created: true } });
  });

  it('reads Node streams, including string chunks', async () => {
    const fromNode = await store.write(Readable.from([Buffer.from('hello '), 'world']));
    expect(fromNode.ok && fromNode.value.sha256).toBe(sha256Of(Buffer.from('hello world')));
  });

  it('copies each chunk before asking for the next, so a source may reuse its buffer', async () => {
    const block = new Uint8Array(700_000);
    const expected = createHash('sha256');
    async function* reusingOneBuffer(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 5; i++) {
        block.fill(i);
        expected.update(block);
        yield block;
      }
    }
    const result = await store.write(reusingOneBuffer());
    const sha256 = expected.digest('hex');
    expect(result.ok && result.value.sha256).toBe(sha256);
    const stored = await readFile(path.join(dir.path, 'sha256', sha256.slice(0, 2), sha256.slice(2, 4), sha256));
    expect(sha256Of(stored)).toBe(sha256);
  });

  it('deduplicates: the same content again is a success that stores nothing new', async () => {
    const content = deterministicBytes(100_000);
    const first = await store.write(asyncChunks([content]));
    const second = await store.write(asyncChunks(slices(content, [999])));
    expect(first.ok && first.value.created).toBe(true);
    expect(second).toEqual({ ok: true, value: { ...(first.ok ? first.value : {}), created: false } });
    expect(await storedHashes()).toEqual([sha256Of(content)]);
    expect(await filesIn(path.join(dir.path, 'tmp'))).toEqual([]);
  });

  it('stores 20 concurrent writes of the same content once, and all of them succeed', async () => {
    const content = deterministicBytes(2_500_000, 7);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.write(asyncChunks(slices(content, [10_000 + i * 997])))),
    );
    expect(results.every((r) => r.ok && r.value.sha256 === sha256Of(content))).toBe(true);
    expect(results.filter((r) => r.ok && r.value.created)).toHaveLength(1);
    expect(await storedHashes()).toEqual([sha256Of(content)]);
    expect(await filesIn(path.join(dir.path, 'tmp'))).toEqual([]);
  });

  it('accepts the expected hash when it matches', async () => {
    const content = deterministicBytes(1000);
    const result = await store.write(asyncChunks([content]), { expectedSha256: sha256Of(content) });
    expect(result.ok).toBe(true);
  });

  it('accepts content of exactly maxBytes', async () => {
    const content = deterministicBytes(4096);
    expect((await store.write(asyncChunks(slices(content, [1000])), { maxBytes: 4096 })).ok).toBe(true);
  });
});

describe('a failed write leaves nothing behind', () => {
  it('stops reading and stores nothing once content passes maxBytes', async () => {
    const content = deterministicBytes(5_000_000);
    let chunksRead = 0;
    let sourceClosed = false;
    async function* counted(): AsyncGenerator<Uint8Array> {
      try {
        for (const chunk of slices(content, [100_000])) {
          chunksRead++;
          yield chunk;
        }
      } finally {
        sourceClosed = true;
      }
    }
    const result = await store.write(counted(), { maxBytes: 1_000_000 });

    expect(result.ok || result.error.code).toBe('BLOB_TOO_LARGE');
    expect(chunksRead).toBe(11);
    expect(sourceClosed).toBe(true);
    await expectNothingLeftBehind(content);
  });

  it('destroys a Node stream that is too large', async () => {
    const source = new PassThrough();
    source.write(Buffer.alloc(2000));
    const result = await store.write(source, { maxBytes: 1000 });
    expect(result.ok || result.error.code).toBe('BLOB_TOO_LARGE');
    expect(source.destroyed).toBe(true);
    expect(await filesIn(path.join(dir.path, 'tmp'))).toEqual([]);
  });

  it('refuses content whose hash is not the expected one', async () => {
    const content = deterministicBytes(3_000_000);
    const expectedSha256 = sha256Of(deterministicBytes(10));
    const result = await store.write(asyncChunks(slices(content, [65_536])), { expectedSha256 });

    expect(result).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'BLOB_HASH_MISMATCH', field: 'expectedSha256' }),
    });
    await expectNothingLeftBehind(content);
    expect(await store.has(expectedSha256)).toBe(false);
  });

  it('reports a source that fails midway (an aborted upload)', async () => {
    const content = deterministicBytes(3_000_000);
    const result = await store.write(failingAfter(slices(content, [65_536])));
    expect(result).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'BLOB_SOURCE_FAILED', message: expect.stringContaining('client aborted') }),
    });
    await expectNothingLeftBehind(content);
  });

  it('reports a Node stream destroyed with an error', async () => {
    const source = new PassThrough();
    const writing = store.write(source);
    source.write(Buffer.alloc(3_000_000, 1));
    setTimeout(() => source.destroy(new Error('socket hang up')), 20);
    const result = await writing;
    expect(result.ok || result.error.code).toBe('BLOB_SOURCE_FAILED');
    await expectNothingLeftBehind(Buffer.alloc(3_000_000, 1));
  });

  it('rejects a malformed expected hash before reading anything', async () => {
    let pulled = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      pulled = true;
      yield new Uint8Array(1);
    }
    const result = await store.write(source(), { expectedSha256: 'ABC' });
    expect(result.ok || result.error.code).toBe('BLOB_INVALID_HASH');
    expect(pulled).toBe(false);
  });
});
