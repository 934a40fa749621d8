import path from 'node:path';
import { openBlobStore } from '@pz/blobs';
import { registerProduct, type ApiSession } from './support/api-session';
import type { Benchmark } from './support/benchmark';
import { startBareFileServer } from './support/bare-file-server';
import { downloadAndDiscard } from './support/discarding-download';
import { loadFileBenchSettings } from './support/file-bench-settings';
import { withFileServer } from './support/file-server-fixture';
import { uploadFile } from './support/multipart-upload';
import { cpuSeconds } from './support/process-usage';
import { writeSeededFile } from './support/seeded-file';
import { percentile, sleep } from './support/stats';
import { timeCommand, type CommandTiming } from './support/timed-command';

const TARGET_RATIO = 0.7;
const MB = 1_000_000;
const DESCRIPTION_BYTES = 1024 * 1024;
const ROUNDS = 3;
const READY_TIMEOUT_MS = 10 * 60 * 1000;

interface DownloadState {
  readonly status: string;
  readonly size: number;
  readonly download_url?: string;
}

/** prepare, then status until the archive's checksum is known: the signed link and the seconds it took. */
async function preparedLink(session: ApiSession, productId: number): Promise<{ url: string; size: number; seconds: number }> {
  const started = performance.now();
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let state = await downloadState(session, 'POST', `/api/products/${productId}/download/prepare/`);
  while (state.status !== 'ready') {
    if (Date.now() > deadline) throw new Error('the archive checksum was not ready in time');
    await sleep(250);
    state = await downloadState(session, 'GET', `/api/products/${productId}/download/status/`);
  }
  if (!state.download_url) throw new Error('the download is ready without a download_url');
  return { url: state.download_url, size: state.size, seconds: (performance.now() - started) / 1000 };
}

/** The archive's state; 200 (ready) and 202 (pending, running) are answers, anything else fails. */
async function downloadState(session: ApiSession, method: 'GET' | 'POST', urlPath: string): Promise<DownloadState> {
  const response = await fetch(`${session.origin}${urlPath}`, { method, headers: { authorization: session.auth } });
  const text = await response.text();
  const state = JSON.parse(text) as DownloadState;
  if (![200, 202].includes(response.status) || state.status === 'failed') throw new Error(`${method} ${urlPath}: ${response.status} ${text.slice(0, 300)}`);
  return state;
}

/** One download read to its end by curl, with the CPU seconds the server and curl spent on it. */
async function timedDownload(url: string, headers: Readonly<Record<string, string>>, serverPid: number, size: number): Promise<CommandTiming> {
  const before = await cpuSeconds(serverPid);
  const download = await downloadAndDiscard(url, headers);
  if (download.bytes !== size) throw new Error(`GET ${url}: ${download.bytes} bytes, expected ${size}`);
  return { ...download, cpuSeconds: download.cpuSeconds + (await cpuSeconds(serverPid)) - before };
}

const median = (values: readonly number[]) => percentile(Float64Array.from(values).sort(), 50);

/**
 * Zip download of a product whose main file is BENCH_DOWNLOAD_BYTES (default 1 GiB) of seeded
 * random bytes, plus a 1 MiB description file, uploaded through the API of the real server (its
 * own process, scratch PostgreSQL schema). curl reads each answer to its end into /dev/null
 * (see support/discarding-download.ts for why curl). Two routes: the direct `GET /api/products/{id}/download/` and the signed link that
 * `download/prepare/` returns once the archive's checksum is known. Baseline: `cat` of the same
 * two blob files to /dev/null. The blobs were just written, and one untimed `cat` and one untimed
 * download run first, so every timed read comes from the page cache; then ROUNDS rounds of cat,
 * direct, signed link, and the medians are compared.
 */
export const benchmark: Benchmark = {
  name: 'zip-download',
  title: 'zip download of a 1 GiB product through the API',
  async run(context) {
    const settings = loadFileBenchSettings();
    await withFileServer(context, settings.scratchDir, async ({ server, session, workDir }) => {
      const mainPath = path.join(workDir, 'catalogue.bin');
      const descriptionPath = path.join(workDir, 'description.txt');
      await writeSeededFile(mainPath, settings.downloadBytes, context.settings.seed);
      await writeSeededFile(descriptionPath, DESCRIPTION_BYTES, context.settings.seed + 1);
      const productId = await registerProduct(session, 'Zip download benchmark');
      const uploaded = performance.now();
      const main = await uploadFile(session, { productId, role: 0, filePath: mainPath, name: 'catalogue.bin', mimeType: 'application/octet-stream' });
      const description = await uploadFile(session, { productId, role: 1, filePath: descriptionPath, name: 'description.txt', mimeType: 'text/plain' });
      context.log(`uploaded ${((main.size + description.size) / MB).toFixed(0)} MB in ${((performance.now() - uploaded) / 1000).toFixed(1)} s`);

      const blobs = await openBlobStore(path.join(server.dataDir, 'blobs'));
      const blobPaths = [main.sha256, description.sha256].map((sha256) => {
        const located = blobs.pathOf(sha256);
        if (!located.ok) throw new Error(located.error.message);
        return located.value;
      });
      const directUrl = `${server.origin}/api/products/${productId}/download/`;
      const auth = { authorization: session.auth };

      const link = await preparedLink(session, productId);
      context.log(`prepare → ready (sha256 of the ${(link.size / MB).toFixed(0)} MB zip computed in the background): ${link.seconds.toFixed(1)} s`);

      const bare = await startBareFileServer(blobPaths);
      await timeCommand('cat', blobPaths);
      await downloadAndDiscard(directUrl, auth);
      await downloadAndDiscard(bare.url);
      const cat: CommandTiming[] = [];
      const direct: CommandTiming[] = [];
      const signed: CommandTiming[] = [];
      const bareReads: CommandTiming[] = [];
      const describe = (t: CommandTiming | undefined) => `${t?.seconds.toFixed(2)} s (CPU ${t?.cpuSeconds.toFixed(2)} s)`;
      for (let round = 0; round < ROUNDS; round++) {
        cat.push(await timeCommand('cat', blobPaths));
        direct.push(await timedDownload(directUrl, auth, server.pid, link.size));
        signed.push(await timedDownload(link.url, {}, server.pid, link.size));
        bareReads.push(await timedDownload(bare.url, {}, bare.pid, main.size + description.size));
        context.log(
          `round ${round + 1}: cat ${describe(cat.at(-1))}, direct ${describe(direct.at(-1))}, signed link ${describe(signed.at(-1))}, bare node:http ${describe(bareReads.at(-1))}`,
        );
      }
      await bare.stop();

      const blobBytes = main.size + description.size;
      const catSeconds = median(cat.map((t) => t.seconds));
      const catCpu = median(cat.map((t) => t.cpuSeconds));
      const size = `${(link.size / MB).toFixed(0)} MB`;
      const record = (route: string, timings: readonly CommandTiming[]) => {
        const seconds = median(timings.map((t) => t.seconds));
        context.record({
          label: `zip download of a ${size} product (${route}), read to the end`,
          value: link.size / MB / seconds,
          unit: 'MB/s',
          baseline: { label: 'cat of the same blob files > /dev/null', value: blobBytes / MB / catSeconds },
          target: { on: 'ratio', compare: '>=', threshold: TARGET_RATIO },
          note: `median of ${ROUNDS}: ${seconds.toFixed(2)} s against ${catSeconds.toFixed(2)} s`,
        });
        context.record({
          label: `CPU seconds (server + curl) of the zip download (${route})`,
          value: median(timings.map((t) => t.cpuSeconds)),
          unit: 's',
          baseline: { label: 'cat, user + system', value: catCpu },
          note: 'median; CPU time does not count waiting for a busy machine',
        });
      };
      record('GET /download/', direct);
      record('signed link from download/prepare/', signed);
      const bareSeconds = median(bareReads.map((t) => t.seconds));
      context.record({
        label: `zip download of a ${size} product (GET /download/), against a bare node:http file server`,
        value: link.size / MB / median(direct.map((t) => t.seconds)),
        unit: 'MB/s',
        baseline: { label: 'the same blob files from a bare node:http server, read by the same curl', value: blobBytes / MB / bareSeconds },
        note: `informative, not the issue's baseline: what moving the bytes through node and TCP costs here (median ${bareSeconds.toFixed(2)} s, CPU ${median(bareReads.map((t) => t.cpuSeconds)).toFixed(2)} s)`,
      });
    });
  },
};
