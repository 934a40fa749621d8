import { rm } from 'node:fs/promises';
import path from 'node:path';
import { registerProduct } from './support/api-session';
import type { Benchmark } from './support/benchmark';
import { loadFileBenchSettings } from './support/file-bench-settings';
import { withFileServer } from './support/file-server-fixture';
import { uploadFile } from './support/multipart-upload';
import { cpuSeconds, ownCpuSeconds, residentBytes, sampleRss } from './support/process-usage';
import { writeSeededFile } from './support/seeded-file';
import { sleep } from './support/stats';
import { timeCommand, type CommandTiming } from './support/timed-command';

const TARGET_RATIO = 0.7;
const TARGET_RSS_GROWTH_MB = 100;
const MB = 1_000_000;

interface BaselineRound {
  readonly sha256sum: CommandTiming;
  readonly cp: CommandTiming;
  readonly sync: CommandTiming;
}

const describeRound = (r: BaselineRound) =>
  `sha256sum ${r.sha256sum.seconds.toFixed(2)} s (CPU ${r.sha256sum.cpuSeconds.toFixed(2)} s), cp ${r.cp.seconds.toFixed(2)} s (CPU ${r.cp.cpuSeconds.toFixed(2)} s), sync ${r.sync.seconds.toFixed(2)} s`;

/**
 * `sha256sum file`, then `cp file <folder of the blob store's disk>`, then `sync <copy>` (fsync of
 * the copy), each timed on its own, run one after the other; the copy is removed afterwards. The
 * store does all three: hash, write, and fsync before the blob becomes visible.
 */
async function baselineRound(filePath: string, copyPath: string): Promise<BaselineRound> {
  const sha256sum = await timeCommand('sha256sum', [filePath]);
  const cp = await timeCommand('cp', [filePath, copyPath]);
  const sync = await timeCommand('sync', [copyPath]);
  await rm(copyPath);
  return { sha256sum, cp, sync };
}

/**
 * Upload of one BENCH_UPLOAD_BYTES file (default 1 GiB of seeded random bytes) through the real
 * API: the server runs as `npm start` does, in its own process, on a scratch PostgreSQL schema;
 * the client signs up, registers a product and POSTs the file as the main file to
 * /api/product-files/ in a hand-built multipart body streamed from disk. Timed from the first
 * byte sent to the 201 (hashed, stored, fsynced, event appended and projected). The server's RSS
 * is sampled every 50 ms during the upload. The baseline runs just before and just after the
 * upload, on the same file and disk, and the two are averaged.
 */
export const benchmark: Benchmark = {
  name: 'upload',
  title: 'multipart upload of a 1 GiB file into the hash store, through the API',
  async run(context) {
    const settings = loadFileBenchSettings();
    const bytes = settings.uploadBytes;
    await withFileServer(context, settings.scratchDir, async ({ server, session, workDir }) => {
      const filePath = path.join(workDir, 'upload.bin');
      const copyPath = path.join(workDir, 'upload-copy.bin');
      const generated = performance.now();
      await writeSeededFile(filePath, bytes, context.settings.seed);
      context.log(`wrote ${(bytes / MB).toFixed(0)} MB of seeded random bytes in ${((performance.now() - generated) / 1000).toFixed(1)} s`);
      const productId = await registerProduct(session, 'Upload benchmark');

      const before = await baselineRound(filePath, copyPath);
      context.log(`baseline before: ${describeRound(before)}`);

      await sleep(500);
      const idleRss = await residentBytes(server.pid);
      const sampler = sampleRss(server.pid);
      const cpuBefore = { server: await cpuSeconds(server.pid), client: ownCpuSeconds() };
      const started = performance.now();
      const answer = await uploadFile(session, { productId, role: 0, filePath, name: 'upload.bin', mimeType: 'application/octet-stream' });
      const seconds = (performance.now() - started) / 1000;
      const cpu = { server: (await cpuSeconds(server.pid)) - cpuBefore.server, client: ownCpuSeconds() - cpuBefore.client };
      const rss = await sampler.stop();
      if (answer.size !== bytes) throw new Error(`the server stored ${answer.size} bytes, not ${bytes}`);
      context.log(`upload: ${seconds.toFixed(2)} s (CPU: server ${cpu.server.toFixed(2)} s, client ${cpu.client.toFixed(2)} s); server RSS ${(idleRss / MB).toFixed(0)} MB before, peak ${(rss.peakBytes / MB).toFixed(0)} MB (${rss.samples} samples)`);

      const after = await baselineRound(filePath, copyPath);
      context.log(`baseline after: ${describeRound(after)}`);

      const mean = (pick: (round: BaselineRound) => number) => (pick(before) + pick(after)) / 2;
      const plainSeconds = mean((r) => r.sha256sum.seconds + r.cp.seconds);
      const durableSeconds = mean((r) => r.sha256sum.seconds + r.cp.seconds + r.sync.seconds);
      const baselineCpu = mean((r) => r.sha256sum.cpuSeconds + r.cp.cpuSeconds);
      const throughput = bytes / MB / seconds;
      const size = `${(bytes / MB).toFixed(0)} MB`;
      context.record({
        label: `upload of ${size} (multipart, streamed) into the hash store`,
        value: throughput,
        unit: 'MB/s',
        baseline: { label: 'sha256sum + cp, one after the other', value: bytes / MB / plainSeconds },
        target: { on: 'ratio', compare: '>=', threshold: TARGET_RATIO },
        note: `${seconds.toFixed(2)} s against ${plainSeconds.toFixed(2)} s`,
      });
      context.record({
        label: `upload of ${size}, against a durable copy`,
        value: throughput,
        unit: 'MB/s',
        baseline: { label: 'sha256sum + cp + sync of the copy', value: bytes / MB / durableSeconds },
        note: `the store fsyncs each blob before it is visible; cp alone leaves the copy in the page cache`,
      });
      context.record({
        label: `CPU seconds for the upload of ${size} (server + client)`,
        value: cpu.server + cpu.client,
        unit: 's',
        baseline: { label: 'sha256sum + cp, user + system', value: baselineCpu },
        note: `server ${cpu.server.toFixed(2)} s, client ${cpu.client.toFixed(2)} s; CPU time does not count waiting for a busy machine`,
      });
      context.record({
        label: `server RSS growth during the upload of ${size}`,
        value: (rss.peakBytes - idleRss) / MB,
        unit: 'MB',
        target: { on: 'value', compare: '<', threshold: TARGET_RSS_GROWTH_MB },
        note: `${(idleRss / MB).toFixed(0)} MB before, peak ${(rss.peakBytes / MB).toFixed(0)} MB`,
      });
    });
  },
};
