import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnApiProcess, type ApiProcess } from '@pz/api/api-process';
import { signUpOverHttp } from '@pz/api/sign-up-over-http';
import { createInstallation, crashBackends, sleep, type Installation } from './crash-harness';

/**
 * A worker SIGKILLed in the middle of a pipeline run (no shutdown hook runs): the run is taken up
 * again by another worker once its lease runs out, and ends Successful on the next attempt; when
 * every attempt dies, it ends Failed with its output product failed (status 9). Never Running
 * for ever. On PGlite the worker lives in the server process (`npm start`), so the server is
 * killed and started again; on PostgreSQL the worker is a process of its own (`npm run worker`).
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const WORKER = path.join(ROOT, 'services', 'api', 'src', 'worker.ts');
const DATA = path.resolve(ROOT, '..', 'shared', 'data', 'redshift-catalogs');
/** Each run holds 4 s once started (PIPELINE_START_DELAY_MS): the kill lands mid-run, deterministically. */
const RUN_ENV = { PIPELINE_START_DELAY_MS: '4000', PIPELINE_LEASE_MS: '1500', PIPELINE_ATTEMPTS: '2', LOG_LEVEL: 'warn' };

type Json = Record<string, unknown>;

interface Api {
  call(method: string, url: string, body?: Json): Promise<{ status: number; body: Json }>;
}

function api(origin: string, token: string): Api {
  return {
    async call(method, url, body) {
      const response = await fetch(`${origin}${url}`, {
        method,
        headers: { authorization: `Token ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
    },
  };
}


/** A reference redshift catalog uploaded, registered, associated and published through the HTTP API. */
async function publishCatalog(origin: string, token: string, file: string, roles: Record<string, string>): Promise<number> {
  const { call } = api(origin, token);
  const created = await call('POST', '/api/products/', { display_name: path.basename(file, '.parquet'), product_type: 'redshift_catalog' });
  const id = created.body.id as number;
  const form = new FormData();
  form.append('product', String(id));
  form.append('role', '0');
  form.append('file', new Blob([readFileSync(file)]), path.basename(file));
  const uploaded = await fetch(`${origin}/api/product-files/`, { method: 'POST', headers: { authorization: `Token ${token}` }, body: form });
  if (uploaded.status !== 201) throw new Error(`upload: ${uploaded.status} ${await uploaded.text()}`);
  expect((await call('GET', `/api/products/${id}/registry/`)).status).toBe(200);
  const columns = (await call('GET', `/api/product-contents/?product=${id}&page_size=100`)).body.results as Json[];
  for (const [name, alias] of Object.entries(roles)) {
    const column = columns.find((c) => c.column_name === name);
    expect((await call('PATCH', `/api/product-contents/${String(column?.id)}/`, { alias })).status).toBe(200);
  }
  expect((await call('PATCH', `/api/products/${id}/`, { status: 1 })).status).toBe(200);
  return id;
}

/** `npm run worker` in a process of its own; resolves once it says it is ready. */
async function spawnWorker(env: Record<string, string>): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (chunk: Buffer) => (out = (out + chunk.toString('utf8')).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const deadline = Date.now() + 120_000;
  while (!out.includes('pipeline worker ready')) {
    if (child.exitCode !== null) throw new Error(`the worker exited:\n${out}`);
    if (Date.now() > deadline) throw new Error(`the worker did not start:\n${out}`);
    await sleep(100);
  }
  return { child, output: () => out };
}

async function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

async function waitFor(check: () => Promise<Json>, until: (body: Json) => boolean, timeoutMs: number): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = await check();
    if (until(body)) return body;
    if (Date.now() > deadline) throw new Error(`not reached in time: ${JSON.stringify(body)}`);
    await sleep(100);
  }
}

const VVDS = { file: path.join(DATA, 'vvds_final_release_random_sample.parquet'), roles: { NUM: 'ID', ALPHA: 'RA', DELTA: 'Dec', Z: 'z', ZFLAGS: 'z_flag', survey_name: 'survey' } };
const OZDES = { file: path.join(DATA, 'ozdes_dr2_random_sample.parquet'), roles: { OzDES_ID: 'ID', Alpha_J2000: 'RA', Delta_J2000: 'Dec', z: 'z', qop: 'z_flag', survey_name: 'survey' } };

for (const backend of crashBackends()) {
  describe(`a pipeline worker SIGKILLed mid-run (${backend})`, () => {
    const installation: Installation = createInstallation(backend);
    const processes: ApiProcess[] = [];
    const workers: ChildProcess[] = [];
    afterAll(async () => {
      for (const worker of workers) await killed(worker);
      for (const server of processes) await server.stop('SIGKILL');
      await installation.remove();
    });

    const startServer = async (extra: Record<string, string> = {}) => {
      const server = await spawnApiProcess({ env: { ...installation.env, ...RUN_ENV, ...extra }, startupMs: 180_000 });
      processes.push(server);
      await server.ready;
      return server;
    };

    it('is taken up again after the lease and succeeds on the next attempt; a run whose every attempt dies ends Failed', async () => {
      // PostgreSQL: the server runs no pipelines; workers are processes of their own.
      let server = await startServer(backend === 'postgres' ? { PIPELINE_WORKERS: '0' } : {});
      const token = await signUpOverHttp(server.origin, 'crasher');
      const inputs = [await publishCatalog(server.origin, token, VVDS.file, VVDS.roles), await publishCatalog(server.origin, token, OZDES.file, OZDES.roles)];
      const start = async () => {
        const started = await api(server.origin, token).call('POST', '/api/processes/', { display_name: 'Crash run', pipeline: 1, inputs, used_config: '{"param": {}}' });
        expect(started.status).toBe(201);
        return started.body;
      };
      const shown = (id: unknown) => async () => (await api(server.origin, token).call('GET', `/api/processes/${String(id)}/`)).body;
      const worker = async () => {
        const spawned = await spawnWorker({ ...installation.env, ...RUN_ENV });
        workers.push(spawned.child);
        return spawned.child;
      };

      const first = await start();
      let running: ChildProcess | null = backend === 'postgres' ? await worker() : null;
      await waitFor(shown(first.id), (b) => b.status === 'Running', 60_000);
      // Mid-run: the run holds 4 s after it starts.
      if (running) await killed(running);
      else {
        await server.stop('SIGKILL');
        server = await startServer();
      }
      expect((await shown(first.id)()).status).toBe('Running');
      running = backend === 'postgres' ? await worker() : null;
      const ended = await waitFor(shown(first.id), (b) => b.status !== 'Running' && b.status !== 'Pending', 90_000);
      expect(ended).toMatchObject({ status: 'Successful', attempts: 2, error: null });
      const output = (await api(server.origin, token).call('GET', `/api/products/${String(ended.upload)}/`)).body;
      expect(output).toMatchObject({ status: 1, derived_from: inputs });

      // Every attempt dies: after the last, the run is Failed and its output failed too.
      const second = await start();
      for (let attempt = 1; attempt <= 2; attempt++) {
        await waitFor(shown(second.id), (b) => b.status === 'Running' && b.attempts === attempt, 60_000);
        if (running) {
          await killed(running);
          running = await worker();
        } else {
          await server.stop('SIGKILL');
          server = await startServer();
        }
      }
      const failed = await waitFor(shown(second.id), (b) => b.status === 'Failed', 90_000);
      expect(String(failed.error)).toContain('WORKER_LOST');
      expect((await api(server.origin, token).call('GET', `/api/products/${String(failed.upload)}/`)).body.status).toBe(9);
      if (running) await killed(running);
    }, 600_000);
  });
}
