import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, createWriteStream, openSync, readSync, writeSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { inspectTable } from '@pz/tables';
import { spawnApiProcess } from '@pz/api/api-process';
import { registerProduct, signUp, type ApiSession } from './support/api-session';
import type { BenchContext, Benchmark } from './support/benchmark';
import { loadFileBenchSettings } from './support/file-bench-settings';
import { uploadFile } from './support/multipart-upload';
import { describeLatencies, sleep, summarize } from './support/stats';

/**
 * Registry speed on text tables (issue 22), in two parts.
 *
 * 1. `inspectTable` (what registry runs: format, columns, row count, preview) in this process on
 *    generated `id,ra,dec,z,z_err` CSVs, plain and gzip-compressed, against the same-run
 *    baselines of `wc -l` (`gzip -dc | wc -l`) and of a plain read of the file: a warm-up round,
 *    then ROUNDS rounds of the three in turn, median reported (MB/s and CPU-seconds).
 * 2. The largest CSV through the real server (its own process, as `npm start` runs it with its
 *    embedded database, whose queries share the event loop with the requests): uploaded as a main
 *    file, then `GET /api/` timed back to back, first with nothing running (the baseline), then
 *    while registry of that file runs (a background job above REGISTRY_BACKGROUND_BYTES, 2 GiB
 *    by default; in the request below it).
 *
 * BENCH_REGISTRY_SIZES_MB (default "300,3000") sizes the plain CSVs; the gzip one is the first
 * size. Files go to BENCH_SCRATCH_DIR (default the system's temporary folder) and are removed.
 */
const MB = 1_000_000;
const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 50;
const ROUNDS = 3;
const IDLE_SAMPLES = 500;
/** Between two timed `GET /api/`: back to back, leaving the server a moment. */
const SAMPLE_GAP_MS = 2;

function sizesFromEnv(): number[] {
  const raw = process.env.BENCH_REGISTRY_SIZES_MB ?? '300,3000';
  const sizes = raw.split(',').map((part) => Number(part.trim()));
  if (sizes.length === 0 || sizes.some((size) => !Number.isFinite(size) || size <= 0)) throw new Error(`BENCH_REGISTRY_SIZES_MB must list positive sizes in MB, got "${raw}"`);
  return sizes;
}

/** About 8 MB of catalog rows, made once: a file is this block written over and over (ids repeat). */
function catalogBlock(): { readonly bytes: Buffer; readonly rows: number } {
  const lines: string[] = [];
  let size = 0;
  for (let row = 0; size < 8 * MB; row++) {
    const line = `${row},${((row * 7.31) % 360).toFixed(6)},${(Math.sin(row) * 90).toFixed(6)},${((row % 3000) / 1000).toFixed(4)},0.0${row % 97}\n`;
    lines.push(line);
    size += line.length;
  }
  return { bytes: Buffer.from(lines.join('')), rows: lines.length };
}

/** Writes about `megabytes` MB of catalog rows after a header line; returns the row count. */
function writeCatalogCsv(file: string, megabytes: number): number {
  const block = catalogBlock();
  const fd = openSync(file, 'w');
  let size = writeSync(fd, 'id,ra,dec,z,z_err\n');
  let rows = 0;
  try {
    while (size < megabytes * MB) {
      size += writeSync(fd, block.bytes);
      rows += block.rows;
    }
  } finally {
    closeSync(fd);
  }
  return rows;
}

interface Cost {
  readonly seconds: number;
  readonly cpuSeconds: number;
}

/** A shell command's wall time and its CPU time (user + system, from bash's `time`). */
function shellCost(command: string): Cost & { output: string } {
  const started = performance.now();
  const run = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; time (${command})`], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`${command}: ${run.stderr}`);
  const [user, system] = (run.stderr.trim().split('\n').at(-1) ?? '0 0').split(' ').map(Number);
  return { seconds, cpuSeconds: (user ?? 0) + (system ?? 0), output: run.stdout.trim() };
}

/** Wall and CPU time of `work` in this process, worker threads included. */
async function processCost(work: () => Promise<void>): Promise<Cost> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

/** The run of median wall time. */
const median = (costs: readonly Cost[]): Cost => [...costs].sort((a, b) => a.seconds - b.seconds)[Math.floor(costs.length / 2)] as Cost;

function plainRead(file: string): Promise<void> {
  const buffer = Buffer.allocUnsafe(2 << 20);
  const fd = openSync(file, 'r');
  try {
    while (readSync(fd, buffer) > 0);
  } finally {
    closeSync(fd);
  }
  return Promise.resolve();
}

async function registryOf(file: string, expectedRows: number): Promise<void> {
  const inspected = await inspectTable(file, { fileName: path.basename(file) });
  if (!inspected.ok) throw new Error(`${file}: ${inspected.error.message}`);
  if (inspected.value.nRows !== expectedRows) throw new Error(`${file}: ${inspected.value.nRows} rows, expected ${expectedRows}`);
}

function record(context: BenchContext, label: string, bytes: number, measured: Cost, baselineLabel: string, baseline: Cost, target: boolean): void {
  context.record({
    label: `${label}: throughput`,
    value: bytes / MB / measured.seconds,
    unit: 'MB/s',
    baseline: { label: baselineLabel, value: bytes / MB / baseline.seconds },
    ...(target ? { target: { on: 'ratio' as const, compare: '>=' as const, threshold: TARGET_RATIO } } : {}),
    note: `${measured.seconds.toFixed(3)} s wall (baseline ${baseline.seconds.toFixed(3)} s)`,
  });
  context.record({ label: `${label}: CPU`, value: measured.cpuSeconds, unit: 'CPU-s', baseline: { label: baselineLabel, value: baseline.cpuSeconds } });
}

const loadAverage = () => os.loadavg().map((load) => load.toFixed(1)).join(' ');

/** wc -l, a plain read and registry of `file`, in turn, ROUNDS times after a warm-up round (page cache, JIT, scan thread). */
async function measureCsv(context: BenchContext, file: string, rows: number): Promise<void> {
  const bytes = (await stat(file)).size;
  const wc: Cost[] = [];
  const read: Cost[] = [];
  const registry: Cost[] = [];
  for (let round = -1; round < ROUNDS; round++) {
    const counted = shellCost(`wc -l < '${file}'`);
    if (Number(counted.output) !== rows + 1) throw new Error(`wc -l counted ${counted.output} lines, expected ${rows + 1}`);
    const reading = await processCost(() => plainRead(file));
    const registering = await processCost(() => registryOf(file, rows));
    if (round < 0) continue;
    wc.push(counted);
    read.push(reading);
    registry.push(registering);
  }
  const label = `${(bytes / MB).toFixed(0)} MB CSV`;
  record(context, `${label} registry`, bytes, median(registry), 'wc -l', median(wc), true);
  record(context, `${label} plain read`, bytes, median(read), 'wc -l', median(wc), false);
  context.log(`${label}: load average ${loadAverage()}`);
}

async function measureGzip(context: BenchContext, file: string, rows: number): Promise<void> {
  const bytes = (await stat(file)).size;
  const gzipped = `${file}.gz`;
  await pipeline(createReadStream(file), createGzip({ level: 6 }), createWriteStream(gzipped));
  try {
    const gzBytes = (await stat(gzipped)).size;
    const zcat = shellCost(`gzip -dc '${gzipped}' | wc -l`);
    const registry = await processCost(() => registryOf(gzipped, rows));
    context.log(`gzip: ${(gzBytes / MB).toFixed(0)} MB compressed; rates below are of the ${(bytes / MB).toFixed(0)} MB it holds`);
    record(context, `${(bytes / MB).toFixed(0)} MB CSV.gz registry`, bytes, registry, 'gzip -dc | wc -l', zcat, false);
  } finally {
    await rm(gzipped, { force: true });
  }
}

/** `GET /api/` timed back to back until `done()` (at least `minimum` times). */
async function sampleRoot(session: ApiSession, done: () => boolean, minimum = 0): Promise<number[]> {
  const latencies: number[] = [];
  while (latencies.length < minimum || !done()) {
    const started = performance.now();
    const response = await fetch(`${session.origin}/api/`, { headers: { authorization: session.auth } });
    await response.arrayBuffer();
    latencies.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`GET /api/: ${response.status}`);
    await sleep(SAMPLE_GAP_MS);
  }
  return latencies;
}

interface RegistryJobStatus {
  readonly state: string;
  readonly bytes_scanned: number;
  readonly error: string | null;
  readonly result: { readonly outcome?: string; readonly n_rows?: number } | null;
}

/** Runs registry of the product's main file over HTTP; resolves with how it ran once it is done. */
async function registryOverHttp(session: ApiSession, productId: number, rows: number): Promise<'background job' | 'in the request'> {
  const headers = { authorization: session.auth };
  const answer = await fetch(`${session.origin}/api/products/${productId}/registry/`, { method: 'POST', headers });
  const body = await answer.text();
  if (answer.status === 200) {
    const nRows = (JSON.parse(body) as { n_rows?: number }).n_rows;
    if (nRows !== undefined && nRows !== rows) throw new Error(`registry counted ${nRows} rows, expected ${rows}`);
    return 'in the request';
  }
  if (answer.status !== 202) throw new Error(`registry: ${answer.status} ${body.slice(0, 300)}`);
  for (;;) {
    await sleep(100);
    const status = await fetch(`${session.origin}/api/products/${productId}/registry/status/`, { headers });
    const job = (await status.json()) as RegistryJobStatus;
    if (job.state === 'failed') throw new Error(`registry job failed: ${job.error ?? 'no reason given'}`);
    if (job.state === 'done') {
      if (job.result?.outcome !== 'registered' || job.result.n_rows !== rows) throw new Error(`registry job: ${JSON.stringify(job.result)}, expected ${rows} rows`);
      return 'background job';
    }
  }
}

/** Uploads `file` to a real server and times `GET /api/` idle, then while registry of it runs. */
async function measureServer(context: BenchContext, file: string, rows: number, scratchDir: string): Promise<void> {
  const bytes = (await stat(file)).size;
  const dataDir = await mkdtemp(path.join(scratchDir, 'pz-bench-registry-server-'));
  const server = await spawnApiProcess({
    env: { DATA_DIR: dataDir, DATABASE_URL: '', DATABASE_SCHEMA: '', EVENTSTORE_URL: '', PZ_SECRET: '', LOG_LEVEL: 'warn' },
    startupMs: 300_000,
  });
  try {
    await server.ready;
    const session = await signUp(server.origin, 'registrar');
    const productId = await registerProduct(session, 'Registry benchmark');
    const uploadStarted = performance.now();
    await uploadFile(session, { productId, role: 0, filePath: file, name: 'catalog.csv', mimeType: 'text/csv' });
    context.log(`uploaded ${(bytes / MB).toFixed(0)} MB in ${((performance.now() - uploadStarted) / 1000).toFixed(1)} s`);
    const idle = summarize(await sampleRoot(session, () => true, IDLE_SAMPLES));
    let finished = false;
    const started = performance.now();
    const registry = registryOverHttp(session, productId, rows).finally(() => {
      finished = true;
    });
    const during = sampleRoot(session, () => finished);
    const [how, latencies] = await Promise.all([registry, during]);
    const seconds = (performance.now() - started) / 1000;
    const busy = summarize(latencies);
    context.log(`GET /api/ idle: ${describeLatencies(idle)}`);
    context.log(`GET /api/ during registry (${how}, ${seconds.toFixed(2)} s): ${describeLatencies(busy)}; load average ${loadAverage()}`);
    context.record({
      label: `GET /api/ p99 while a ${(bytes / MB).toFixed(0)} MB CSV is registered (${how})`,
      value: busy.p99,
      unit: 'ms',
      baseline: { label: 'GET /api/ p99, nothing else running', value: idle.p99 },
      target: { on: 'value', compare: '<', threshold: TARGET_P99_MS },
      note: `p50 ${busy.p50.toFixed(1)} ms (idle ${idle.p50.toFixed(1)} ms), max ${busy.max.toFixed(1)} ms, ${busy.count} requests; registry ${seconds.toFixed(2)} s from request to done, ${(bytes / MB / seconds).toFixed(0)} MB/s`,
    });
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export const benchmark: Benchmark = {
  name: 'registry',
  title: 'registry of large CSVs (row count by byte scan) against wc -l and a plain read, and the server while it runs',
  async run(context) {
    context.log(`load average at the start: ${loadAverage()}`);
    const sizes = sizesFromEnv();
    const largest = Math.max(...sizes);
    const { scratchDir } = loadFileBenchSettings();
    const dir = await mkdtemp(path.join(scratchDir, 'pz-bench-registry-'));
    try {
      for (const [index, megabytes] of sizes.entries()) {
        const file = path.join(dir, `catalog-${megabytes}.csv`);
        const started = performance.now();
        const rows = writeCatalogCsv(file, megabytes);
        context.log(`wrote ${megabytes} MB, ${rows.toLocaleString('en-US')} rows, in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        await measureCsv(context, file, rows);
        if (index === 0) await measureGzip(context, file, rows);
        if (megabytes === largest) await measureServer(context, file, rows, scratchDir);
        await rm(file, { force: true });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
