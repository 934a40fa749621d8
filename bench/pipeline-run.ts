import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnApiProcess } from '@pz/api/api-process';
import { dropSchema } from '@pz/database/testing';
import type { Benchmark } from './support/benchmark';
import { registerProduct, signUp, type ApiSession } from './support/api-session';
import { uploadFile } from './support/multipart-upload';
import { sampleRss } from './support/process-usage';
import { writeCatalogPair } from './support/redshift-catalog-files';

const ROWS_PER_CATALOG = 1_000_000;
const OVERLAP = 0.2;
const here = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.resolve(here, '..', 'services', 'api', 'src', 'worker.ts');

type Json = Record<string, unknown>;

async function call(session: ApiSession, method: string, url: string, body?: unknown): Promise<Json> {
  const response = await fetch(`${session.origin}${url}`, {
    method,
    headers: { authorization: session.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${url}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Json;
}

/** Upload → registry → column roles → publish, through the API, as a person would; returns the product id. */
async function publish(session: ApiSession, file: string, roles: Record<string, string>): Promise<number> {
  const id = await registerProduct(session, path.basename(file, '.parquet'));
  await uploadFile(session, { productId: id, role: 0, filePath: file, name: path.basename(file), mimeType: 'application/vnd.apache.parquet' });
  await call(session, 'GET', `/api/products/${id}/registry/`);
  const columns = (await call(session, 'GET', `/api/product-contents/?product=${id}&page_size=100`)).results as Json[];
  for (const column of columns) {
    const alias = roles[String(column.column_name)];
    if (alias !== undefined) await call(session, 'PATCH', `/api/product-contents/${String(column.id)}/`, { alias });
    else if (column.alias !== null) await call(session, 'PATCH', `/api/product-contents/${String(column.id)}/`, { alias: null, ucd: null });
  }
  await call(session, 'PATCH', `/api/products/${id}/`, { status: 1 });
  return id;
}

async function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const deadline = Date.now() + 240_000;
  while (!out.includes('pipeline worker ready')) {
    if (child.exitCode !== null) throw new Error(`the worker exited: ${out}`);
    if (Date.now() > deadline) throw new Error('the worker did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return child;
}

/**
 * Combine Redshift Catalogs through the API on two generated 1,000,000-row Parquet catalogs (the
 * combine benchmark's pair): upload + registry + publish of each, then `POST /api/processes/`
 * (deduplicate, 0.5″) until the output product is registered and published. The run executes
 * in an `npm run worker` process of its own (the server runs none), whose RSS is sampled.
 * Needs DATABASE_URL (a schema of its own is created and dropped).
 */
export const benchmark: Benchmark = {
  name: 'pipeline-run',
  title: 'combine redshift catalogs through the API: 2 × 1M rows, upload → run → output registered',
  async run(context) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('pipeline-run needs DATABASE_URL (the worker is a process of its own, which PGlite does not allow)');
    const directory = mkdtempSync(path.join(process.env.BENCH_SCRATCH_DIR ?? os.tmpdir(), 'bench-pipeline-run-'));
    const schema = `bench_run_${randomBytes(5).toString('hex')}`;
    // A long lease: the crossmatch runs between heartbeats, and a loaded machine must not take the run away.
    const env = { DATA_DIR: directory, DATABASE_URL: url, DATABASE_SCHEMA: schema, EVENTSTORE_URL: '', PZ_SECRET: 'bench-secret-0123456789', LOG_LEVEL: 'warn', PIPELINE_LEASE_MS: '600000' };
    const server = await spawnApiProcess({ env: { ...env, PIPELINE_WORKERS: '0' }, startupMs: 240_000 });
    let worker: ChildProcess | null = null;
    try {
      await server.ready;
      context.log(`writing two ${ROWS_PER_CATALOG.toLocaleString('en-US')}-row catalogs (seed ${context.settings.seed})...`);
      const files = writeCatalogPair(directory, ROWS_PER_CATALOG, OVERLAP, context.settings.seed);
      const session = await signUp(server.origin, 'bench');
      const uploaded = performance.now();
      const first = await publish(session, files.first, { NUM: 'ID', ALPHA: 'RA', DELTA: 'Dec', Z: 'z', ZFLAGS: 'z_flag', survey_name: 'survey' });
      const second = await publish(session, files.second, { unique_id: 'ID', RA: 'RA', Dec: 'Dec', z: 'z', qual: 'z_flag', z_err: 'z_err', survey_name: 'survey' });
      const uploadSeconds = (performance.now() - uploaded) / 1000;
      worker = await startWorker(env);
      const pid = worker.pid;
      if (pid === undefined) throw new Error('the worker has no pid');
      const rss = sampleRss(pid, 100);
      const loadBefore = os.loadavg()[0] ?? 0;
      const started = performance.now();
      const process = await call(session, 'POST', '/api/processes/', {
        display_name: 'Bench combined', pipeline: 'combine_redshift_dedup', inputs: [first, second],
        used_config: { param: { combine_type: 'concatenate_and_remove_duplicates', crossmatch: { radius_arcsec: 0.5 } } },
      });
      let shown: Json = process;
      while (shown.status === 'Pending' || shown.status === 'Running') {
        await new Promise((resolve) => setTimeout(resolve, 250));
        shown = await call(session, 'GET', `/api/processes/${String(process.id)}/`);
      }
      const seconds = (performance.now() - started) / 1000;
      const { peakBytes } = await rss.stop();
      if (shown.status !== 'Successful') throw new Error(`the run ended ${String(shown.status)}: ${String(shown.error)}`);
      const output = await call(session, 'GET', `/api/products/${String(shown.upload)}/`);
      const summary = shown.summary as Json;
      const load = `load ${loadBefore.toFixed(1)} → ${(os.loadavg()[0] ?? 0).toFixed(1)}`;
      context.record({ label: 'upload + registry + publish of both inputs (2 × 1M rows, Parquet)', value: uploadSeconds, unit: 's', note: load });
      context.record({ label: 'run: POST /api/processes/ → output registered and published (deduplicate, 0.5″)', value: seconds, unit: 's', target: { on: 'value', compare: '<', threshold: 60 }, note: `${String(summary.rowsIn)} rows in, ${String(summary.rowsOut)} out; output status ${String(output.status)}; ${load}` });
      context.record({ label: 'run as the worker recorded it (started → succeeded)', value: Number(shown.duration_seconds), unit: 's' });
      context.record({ label: 'peak RSS of the worker process (sampled every 100 ms)', value: peakBytes / 1024 / 1024, unit: 'MiB' });
    } finally {
      if (worker && worker.exitCode === null) worker.kill('SIGKILL');
      await server.stop();
      await dropSchema(url, schema).catch(() => undefined);
      rmSync(directory, { recursive: true, force: true });
    }
  },
};
