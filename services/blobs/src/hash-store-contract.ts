import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from './blob-store';
import { asyncChunks, deterministicBytes, failingAfter, readerBytes, slices } from './testing';

/** One store under test, with a way to see what a failed write may have left in its temporary area. */
export interface ContractStore {
  readonly store: BlobStore;
  /** Temporary files or objects left by writes (must be none after a write returned). */
  leftovers(): Promise<string[]>;
  remove(): Promise<void>;
}

const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * What every adapter of the hash-store port must do (the filesystem store, the S3 store): the
 * behaviour the rest of the service relies on, with nothing about where the bytes live.
 * Each `describe` opens a fresh, empty store.
 */
export function hashStoreContract(name: string, open: () => Promise<ContractStore>): void {
  describe(`hash store contract: ${name}`, () => {
    let subject: ContractStore;
    let store: BlobStore;
    beforeAll(async () => {
      subject = await open();
      store = subject.store;
    }, 60_000);
    afterAll(() => subject.remove());

    const expectNothingLeftBehind = async (content: Uint8Array) => {
      expect(await store.has(sha256Of(content))).toBe(false);
      expect(await subject.leftovers()).toEqual([]);
    };

    it('stores content at its sha256 address with its size and CRC-32, and reads it back whole and by ranges', async () => {
      const content = Buffer.from(deterministicBytes(3_000_000, 11));
      const sha256 = sha256Of(content);
      const result = await store.write(asyncChunks(slices(content, [65_536, 1, 1_048_577])));
      expect(result).toEqual({ ok: true, value: { sha256, size: content.length, crc32: crc32(content), created: true } });
      expect(await store.has(sha256)).toBe(true);
      expect(await store.stat(sha256)).toEqual({ ok: true, value: { size: content.length, crc32: crc32(content) } });
      expect(await subject.leftovers()).toEqual([]);
      const cases: [{ start?: number; end?: number } | undefined, number, number][] = [
        [undefined, 0, 3_000_000],
        [{ start: 1_000_000, end: 2_500_000 }, 1_000_000, 2_500_001],
        [{ start: 17, end: 17 }, 17, 18],
        [{ start: 2_999_990 }, 2_999_990, 3_000_000],
        [{ end: 99 }, 0, 100],
        [{ start: 2_999_999, end: 5_000_000 }, 2_999_999, 3_000_000],
        [{ start: 3_000_000 }, 3_000_000, 3_000_000],
      ];
      for (const [range, from, to] of cases) {
        for (const bufferBytes of [65_537, 1 << 20]) {
          const opened = await store.openReader(sha256, range);
          if (!opened.ok) throw new Error(opened.error.code);
          expect((await readerBytes(opened.value, bufferBytes)).equals(content.subarray(from, to)), `${JSON.stringify(range)} / ${bufferBytes}`).toBe(true);
        }
      }
      const local = await store.localPath(sha256);
      if (!local.ok) throw new Error(local.error.code);
      expect(sha256Of(await readFile(local.value))).toBe(sha256);
    });

    it('stores empty content, Node streams with string chunks, and sources that reuse their buffer', async () => {
      expect(await store.write(asyncChunks([]))).toEqual({ ok: true, value: { sha256: sha256Of(new Uint8Array()), size: 0, crc32: 0, created: true } });
      const fromNode = await store.write(Readable.from([Buffer.from('hello '), 'world']));
      expect(fromNode.ok && fromNode.value.sha256).toBe(sha256Of(Buffer.from('hello world')));
      const block = new Uint8Array(700_000);
      const expected = createHash('sha256');
      async function* reusingOneBuffer(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < 5; i++) {
          block.fill(i + 1);
          expected.update(block);
          yield block;
        }
      }
      const reused = await store.write(reusingOneBuffer());
      const sha256 = expected.digest('hex');
      expect(reused.ok && reused.value.sha256).toBe(sha256);
      const opened = await store.openReader(sha256);
      if (!opened.ok) throw new Error(opened.error.code);
      expect(sha256Of(await readerBytes(opened.value))).toBe(sha256);
    });

    it('deduplicates: the same content again, or 8 concurrent writes of it, store it once and all succeed', async () => {
      const content = deterministicBytes(2_500_000, 7);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.write(asyncChunks(slices(content, [10_000 + i * 997])))));
      expect(results.every((r) => r.ok && r.value.sha256 === sha256Of(content))).toBe(true);
      expect(results.filter((r) => r.ok && r.value.created)).toHaveLength(1);
      const again = await store.write(asyncChunks([content]));
      expect(again.ok && again.value.created).toBe(false);
      const listed: string[] = [];
      for await (const hash of store.list()) listed.push(hash);
      expect(listed.filter((h) => h === sha256Of(content))).toHaveLength(1);
      expect(await subject.leftovers()).toEqual([]);
    });

    it('a failed write leaves nothing behind: too large, wrong hash, failing source, destroyed stream', async () => {
      const content = deterministicBytes(3_000_000, 5);
      let closed = false;
      async function* counted(): AsyncGenerator<Uint8Array> {
        try {
          yield* slices(content, [100_000]);
        } finally {
          closed = true;
        }
      }
      const tooLarge = await store.write(counted(), { maxBytes: 1_000_000 });
      expect(tooLarge.ok || tooLarge.error.code).toBe('BLOB_TOO_LARGE');
      expect(closed).toBe(true);
      await expectNothingLeftBehind(content);

      const wrong = sha256Of(deterministicBytes(10));
      const mismatch = await store.write(asyncChunks(slices(content, [65_536])), { expectedSha256: wrong });
      expect(mismatch.ok || mismatch.error.code).toBe('BLOB_HASH_MISMATCH');
      await expectNothingLeftBehind(content);
      expect(await store.has(wrong)).toBe(false);

      const failing = await store.write(failingAfter(slices(content, [65_536])));
      expect(failing.ok || failing.error.message).toContain('client aborted');
      await expectNothingLeftBehind(content);

      const source = new PassThrough();
      const writing = store.write(source);
      source.write(Buffer.alloc(3_000_000, 1));
      setTimeout(() => source.destroy(new Error('socket hang up')), 20);
      const destroyed = await writing;
      expect(destroyed.ok || destroyed.error.code).toBe('BLOB_SOURCE_FAILED');
      await expectNothingLeftBehind(Buffer.alloc(3_000_000, 1));

      const malformed = await store.write(asyncChunks([new Uint8Array(1)]), { expectedSha256: 'ABC' });
      expect(malformed.ok || malformed.error.code).toBe('BLOB_INVALID_HASH');
      expect((await store.write(asyncChunks([content]), { expectedSha256: sha256Of(content) })).ok).toBe(true);
    });

    it('refuses malformed hashes and ranges, and reports absent blobs', async () => {
      const absent = 'f'.repeat(64);
      for (const hash of ['../../../etc/passwd', 'F'.repeat(64), '', `${absent}.json`]) {
        expect(await store.has(hash)).toBe(false);
        for (const result of [await store.stat(hash), await store.openReader(hash), await store.localPath(hash)]) {
          expect(result).toEqual({ ok: false, error: expect.objectContaining({ code: 'BLOB_INVALID_HASH', field: 'sha256' }) });
        }
      }
      for (const result of [await store.stat(absent), await store.openReader(absent), await store.localPath(absent)]) expect(result.ok || result.error.code).toBe('BLOB_NOT_FOUND');
      const stored = await store.write(asyncChunks([Buffer.from('ranges')]));
      if (!stored.ok) throw new Error(stored.error.code);
      for (const range of [{ start: -1 }, { start: 10, end: 9 }, { start: 1.5 }, { end: Number.NaN }]) {
        const opened = await store.openReader(stored.value.sha256, range);
        expect(opened.ok || opened.error.code).toBe('BLOB_INVALID_RANGE');
      }
    });

    it('sweeps blobs no event names once old enough, and keeps named or young ones', async () => {
      const named = await store.write(asyncChunks([Buffer.from('named by an event')]));
      const orphan = await store.write(asyncChunks([Buffer.from('named by nothing')]));
      if (!named.ok || !orphan.ok) throw new Error('write failed');
      const young = await store.sweep({ isReferenced: (h) => h === named.value.sha256, blobOlderThanMs: 60_000 });
      expect(young.unreferenced).toEqual([]);
      const dry = await store.sweep({ isReferenced: (h) => h === named.value.sha256, blobOlderThanMs: 0, dryRun: true });
      expect(dry.unreferenced.map((b) => b.sha256)).toContain(orphan.value.sha256);
      expect(await store.has(orphan.value.sha256)).toBe(true);
      const referenced = new Set<string>([named.value.sha256]);
      const swept = await store.sweep({ isReferenced: (h) => referenced.has(h), blobOlderThanMs: 0 });
      expect(swept.unreferenced).toContainEqual({ sha256: orphan.value.sha256, size: 'named by nothing'.length });
      expect(swept.unreferenced.map((b) => b.sha256)).not.toContain(named.value.sha256);
      expect(await store.has(orphan.value.sha256)).toBe(false);
      expect(await store.has(named.value.sha256)).toBe(true);
    });
  });
}
