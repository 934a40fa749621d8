import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openBlobStore } from './blob-store';
import { filesIn, temporaryDirectory, type TemporaryDirectory } from './testing';

const GIB = 1024 ** 3;
const MB = 1_000_000;
const probe = fileURLToPath(new URL('./memory-probe.ts', import.meta.url));

let dir: TemporaryDirectory;
beforeAll(async () => {
  dir = await temporaryDirectory();
});
afterAll(() => dir.remove());

interface ProbeReport {
  expectedSha256: string;
  written: { ok: true; value: { sha256: string; size: number; created: boolean } } | { ok: false };
  rssGrowth: number;
  elapsedMs: number;
}

it('writes 1 GiB with flat memory and stores it under the right hash', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', probe, dir.path, String(GIB)], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
  });
  const report = JSON.parse(stdout) as ProbeReport;
  console.log(
    `1 GiB write: RSS growth ${(report.rssGrowth / MB).toFixed(1)} MB, ` +
      `${(GIB / MB / (report.elapsedMs / 1000)).toFixed(0)} MB/s (${report.elapsedMs.toFixed(0)} ms)`,
  );

  expect(report.written).toEqual({
    ok: true,
    value: expect.objectContaining({ sha256: report.expectedSha256, size: GIB, created: true }),
  });
  expect(report.rssGrowth).toBeLessThan(100 * MB);

  const store = await openBlobStore(dir.path);
  const stored = store.pathOf(report.expectedSha256);
  if (!stored.ok) throw new Error(stored.error.code);
  expect((await stat(stored.value)).size).toBe(GIB);
  const onDisk = createHash('sha256');
  for await (const chunk of createReadStream(stored.value, { highWaterMark: 1 << 20 })) onDisk.update(chunk as Buffer);
  expect(onDisk.digest('hex')).toBe(report.expectedSha256);
  expect(await filesIn(`${dir.path}/tmp`)).toEqual([]);

  const swept = await store.sweep({ isReferenced: () => false, blobOlderThanMs: 0 });
  expect(swept.unreferenced).toEqual([{ sha256: report.expectedSha256, size: GIB }]);
});
