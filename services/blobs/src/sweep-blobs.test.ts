import { readdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openBlobStore, type FileBlobStore as BlobStore } from './blob-store';
import { asyncChunks, temporaryDirectory, type TemporaryDirectory } from './testing';

const HOUR_MS = 60 * 60 * 1000;

let dir: TemporaryDirectory;
let store: BlobStore;

beforeEach(async () => {
  dir = await temporaryDirectory();
  store = await openBlobStore(dir.path);
});
afterEach(() => dir.remove());

async function put(text: string, ageMs = 2 * HOUR_MS): Promise<string> {
  const written = await store.write(asyncChunks([Buffer.from(text)]));
  if (!written.ok) throw new Error(written.error.code);
  await age(dataPath(written.value.sha256), ageMs);
  return written.value.sha256;
}

function dataPath(sha256: string): string {
  const found = store.pathOf(sha256);
  if (!found.ok) throw new Error(found.error.code);
  return found.value;
}

async function age(file: string, ageMs: number): Promise<void> {
  const then = new Date(Date.now() - ageMs);
  await utimes(file, then, then);
}

async function stored(): Promise<string[]> {
  const hashes: string[] = [];
  for await (const sha256 of store.list()) hashes.push(sha256);
  return hashes.sort();
}

describe('sweep', () => {
  it('removes unreferenced blobs with their records and keeps referenced ones', async () => {
    const kept = await put('kept');
    const dropped = await put('dropped!');
    const report = await store.sweep({ isReferenced: (sha256) => sha256 === kept, blobOlderThanMs: HOUR_MS });

    expect(report.unreferenced).toEqual([{ sha256: dropped, size: 8 }]);
    expect(await stored()).toEqual([kept]);
    const leaf = await readdir(path.dirname(dataPath(dropped)));
    expect(leaf.filter((name) => name.startsWith(dropped))).toEqual([]);
  });

  it('waits for an async reference check', async () => {
    const kept = await put('kept');
    const report = await store.sweep({ isReferenced: async (sha256) => sha256 === kept, blobOlderThanMs: 0 });
    expect(report.unreferenced).toEqual([]);
    expect(await stored()).toEqual([kept]);
  });

  it('only reports in a dry run', async () => {
    const dropped = await put('dropped');
    const temp = path.join(dir.path, 'tmp', 'dead.blob');
    await writeFile(temp, 'partial');
    await age(temp, 2 * HOUR_MS);

    const report = await store.sweep({ isReferenced: () => false, dryRun: true, blobOlderThanMs: 0, tempOlderThanMs: HOUR_MS });
    expect(report.unreferenced.map((b) => b.sha256)).toEqual([dropped]);
    expect(report.staleTempFiles).toEqual(['dead.blob']);
    expect(await stored()).toEqual([dropped]);
    expect(await readdir(path.join(dir.path, 'tmp'))).toEqual(['dead.blob']);
  });

  it('keeps unreferenced blobs inside the grace period, which a rewrite restarts', async () => {
    const young = await put('young', 0);
    const rewritten = await put('rewritten');
    await put('rewritten', 0);

    const report = await store.sweep({ isReferenced: () => false, blobOlderThanMs: HOUR_MS });
    expect(report.unreferenced).toEqual([]);
    expect(await stored()).toEqual([young, rewritten].sort());
  });

  it('keeps blobs a day old by default', async () => {
    await put('recent', 23 * HOUR_MS);
    expect((await store.sweep({ isReferenced: () => false })).unreferenced).toEqual([]);
  });

  it('removes stale temp files and keeps fresh ones (writes in progress)', async () => {
    const tmp = path.join(dir.path, 'tmp');
    await writeFile(path.join(tmp, 'stale.blob'), 'died midway');
    await age(path.join(tmp, 'stale.blob'), 2 * HOUR_MS);
    await writeFile(path.join(tmp, 'fresh.blob'), 'still arriving');

    const report = await store.sweep({ isReferenced: () => true, tempOlderThanMs: HOUR_MS });
    expect(report.staleTempFiles).toEqual(['stale.blob']);
    expect(await readdir(tmp)).toEqual(['fresh.blob']);
  });

  it('removes records whose blob is gone', async () => {
    const orphan = await put('orphan');
    await rm(dataPath(orphan));
    await age(`${dataPath(orphan)}.json`, 2 * HOUR_MS);

    const report = await store.sweep({ isReferenced: () => true, tempOlderThanMs: HOUR_MS });
    expect(report.orphanedRecords).toEqual([orphan]);
    expect(await readdir(path.dirname(dataPath(orphan)))).toEqual([]);
  });

  it('reports nothing for an empty store', async () => {
    const report = await store.sweep({ isReferenced: () => false, blobOlderThanMs: 0, tempOlderThanMs: 0 });
    expect(report).toEqual({ unreferenced: [], staleTempFiles: [], orphanedRecords: [] });
  });
});
