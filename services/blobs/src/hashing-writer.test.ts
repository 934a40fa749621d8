import { createHash, randomUUID } from 'node:crypto';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HashWorkerPool } from './hash-worker-pool';
import { AdaptiveHashingWriter, OFFLOAD_AFTER_BYTES } from './hashing-writer';
import { deterministicBytes, slices, temporaryDirectory, type TemporaryDirectory } from './testing';

/** A pool that counts the workers it lends and those given back. */
class CountingPool extends HashWorkerPool {
  lentCount = 0;
  lastLent: Worker | undefined;
  override tryAcquire() {
    const lease = super.tryAcquire();
    if (lease !== null) {
      this.lentCount += 1;
      this.lastLent = lease.worker;
    }
    return lease;
  }
}

let dir: TemporaryDirectory;
let pool: CountingPool;

beforeEach(async () => {
  dir = await temporaryDirectory();
  pool = new CountingPool(1);
});
afterEach(async () => {
  await pool.close();
  await dir.remove();
});

async function writeThrough(content: Uint8Array, chunkSize: number, writerPool: HashWorkerPool) {
  const filePath = path.join(dir.path, `out-${randomUUID()}.bin`);
  const handle = await open(filePath, 'wx');
  const writer = new AdaptiveHashingWriter(handle, writerPool);
  try {
    for (const chunk of slices(content, [chunkSize])) await writer.push(chunk);
    const digest = await writer.finish();
    return { digest, written: new Uint8Array(await readFile(filePath)) };
  } finally {
    await writer.settle();
    await handle.close();
  }
}

describe('AdaptiveHashingWriter', () => {
  const expectedDigest = (content: Uint8Array) => ({
    sha256: createHash('sha256').update(content).digest('hex'),
    crc32: crc32(content),
  });

  it.each([
    ['empty content', 0, 1],
    ['content within the first MiB', OFFLOAD_AFTER_BYTES, 65_537],
  ])('hashes %s on the calling thread, without a worker', async (_label, size, chunkSize) => {
    const content = deterministicBytes(size, 3);
    const { digest, written } = await writeThrough(content, chunkSize, pool);
    expect(digest).toEqual(expectedDigest(content));
    expect(Buffer.compare(written, content)).toBe(0);
    expect(pool.lentCount).toBe(0);
  });

  it.each([
    ['odd-sized chunks', 65_537],
    ['chunks larger than a batch', 3 * 1024 * 1024 + 7],
    ['one-byte-over chunks', OFFLOAD_AFTER_BYTES + 1],
  ])('hashes and writes longer content in a worker, in %s', async (_label, chunkSize) => {
    const content = deterministicBytes(6 * 1024 * 1024 + 12_345, 5);
    const { digest, written } = await writeThrough(content, chunkSize, pool);
    expect(digest).toEqual(expectedDigest(content));
    expect(Buffer.compare(written, content)).toBe(0);
    expect(pool.lentCount).toBe(1);
  });

  it('reuses the worker for the next upload, and hashes on this thread when none is free', async () => {
    const first = deterministicBytes(3 * 1024 * 1024, 7);
    const second = deterministicBytes(3 * 1024 * 1024 + 1, 8);
    expect((await writeThrough(first, 100_000, pool)).digest).toEqual(expectedDigest(first));
    expect((await writeThrough(second, 100_000, pool)).digest).toEqual(expectedDigest(second));
    expect(pool.lentCount).toBe(2);

    const held = pool.tryAcquire();
    expect(held).not.toBeNull();
    const third = deterministicBytes(2 * 1024 * 1024, 9);
    expect((await writeThrough(third, 100_000, pool)).digest).toEqual(expectedDigest(third));
    expect(pool.lentCount).toBe(3);
    held?.release();
  });

  it('reports a failed write, returns every batch, and the pool lends a fresh worker afterwards', async () => {
    const filePath = path.join(dir.path, 'read-only.bin');
    await (await open(filePath, 'wx')).close();
    const content = deterministicBytes(5 * 1024 * 1024, 11);
    const failure = await failureOf(await open(filePath, 'r'), async (writer) => {
      for (const chunk of slices(content, [100_000])) await writer.push(chunk);
    });
    expect(failure).toMatchObject({ code: 'EBADF' });

    const next = deterministicBytes(2 * 1024 * 1024, 12);
    expect((await writeThrough(next, 100_000, pool)).digest).toEqual(expectedDigest(next));
  });

  it('fails, without hanging, when the worker dies mid-upload', async () => {
    const failure = await failureOf(await open(path.join(dir.path, 'out.bin'), 'wx'), async (writer) => {
      await writer.push(deterministicBytes(2 * 1024 * 1024, 13));
      expect(pool.lentCount).toBe(1);
      await killLentWorker(pool);
      for (let i = 0; i < 8; i += 1) await writer.push(deterministicBytes(1024 * 1024, i));
    });
    expect(String(failure)).toMatch(/hashing worker stopped/);
  });
});

/** Pushes with `steps`, then finishes; what was thrown, once the writer settled and the file closed. */
async function failureOf(handle: FileHandle, steps: (writer: AdaptiveHashingWriter) => Promise<void>): Promise<unknown> {
  const writer = new AdaptiveHashingWriter(handle, pool);
  try {
    await steps(writer);
    await writer.finish();
    return undefined;
  } catch (cause) {
    return cause;
  } finally {
    await writer.settle();
    await handle.close();
  }
}

async function killLentWorker(target: CountingPool): Promise<void> {
  const worker = target.lastLent;
  if (worker === undefined) throw new Error('no worker lent');
  await worker.terminate();
}
