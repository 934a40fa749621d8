import { randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { attachMainFile, createProduct, httpClient, type Json } from '../registry/testing';
import { startTestServer, type TestServer } from '../testing';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A plain `id,ra,dec,z` CSV of about `megabytes` MB, written in large pieces. */
function writeCsv(file: string, megabytes: number): number {
  const fd = openSync(file, 'w');
  let size = writeSync(fd, 'id,ra,dec,z\n');
  let rows = 0;
  while (size < megabytes * 1e6) {
    const lines: string[] = [];
    for (let k = 0; k < 20_000; k++, rows++) lines.push(`${rows},${(rows * 7.31) % 360},${-(rows % 90)},0.${rows % 997}`);
    size += writeSync(fd, `${lines.join('\n')}\n`);
  }
  closeSync(fd);
  return rows;
}

const THRESHOLD = 1_000_000;

for (const backend of testBackends()) {
  describe(`registry of large main files in the background (${backend.name})`, () => {
    let server: TestServer;
    let call: ReturnType<typeof httpClient>;
    let alice: { auth: string; userId: number };
    let scratch: string;
    let large: string;
    let largeRows: number;

    const waitForJob = async (id: number): Promise<Json> => {
      for (let i = 0; i < 600; i++) {
        const status = await call('GET', `/api/products/${id}/registry/status/`, alice.auth);
        if (status.body.state === 'done' || status.body.state === 'failed') return status.body;
        await sleep(100);
      }
      throw new Error('registry job did not finish');
    };

    beforeAll(async () => {
      server = await startTestServer(backend, { REGISTRY_BACKGROUND_BYTES: String(THRESHOLD) });
      call = httpClient(server);
      alice = await server.createUser('alice');
      scratch = mkdtempSync(path.join(os.tmpdir(), 'pz-registry-background-'));
      large = path.join(scratch, 'large.csv');
      largeRows = writeCsv(large, 60);
    }, 180_000);
    afterAll(async () => {
      await server.stop();
      rmSync(scratch, { recursive: true, force: true });
    });

    it('answers 202 with a status URL above the threshold, reports progress, then the product is registered', async () => {
      const id = await createProduct(server, alice.auth, 'redshift_catalog');
      await attachMainFile(server, id, alice.userId, large);
      const rootLatency = async () => {
        const started = performance.now();
        const root = await server.app.inject({ method: 'GET', url: '/api/', headers: { authorization: alice.auth } });
        expect(root.statusCode).toBe(200);
        return performance.now() - started;
      };
      // The same requests with nothing running: on a shared machine the scheduler alone adds a tail.
      const baseline: number[] = [];
      for (let i = 0; i < 60; i++) {
        baseline.push(await rootLatency());
        await sleep(5);
      }
      const queued = await call('GET', `/api/products/${id}/registry/`, alice.auth);
      expect(queued.status).toBe(202);
      expect(queued.body).toMatchObject({ product: id, status_url: `/api/products/${id}/registry/status/`, state: expect.stringMatching(/queued|running/) });
      // GET /api/ stays responsive while the file is counted: the scan runs in a worker thread.
      const latencies: number[] = [];
      let finished: Json | null = null;
      const watching = waitForJob(id).then((body) => (finished = body));
      while (!finished) {
        latencies.push(await rootLatency());
        await sleep(5);
      }
      await watching;
      expect(finished).toMatchObject({ state: 'done', attempts: 1, error: null, result: { outcome: 'registered', format: 'csv', n_rows: largeRows } });
      expect((finished as Json | null)?.bytes_scanned).toBe((finished as Json | null)?.bytes_total);
      const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.99)] ?? 0;
      // The SIMD scan counts these 60 MB in tens of ms: the job (claim, events, projection) is most of
      // its time, and only a few requests fit in it (19-40 seen); the bound below is then near their maximum.
      expect(latencies.length).toBeGreaterThanOrEqual(8);
      // Under 50 ms at the 99th percentile beyond what the machine adds anyway; a scan on the
      // event loop would hold requests for the whole file (hundreds of ms for these 60 MB). On
      // PGlite every query of the job (claim, event append, projection, the status polls) runs as
      // WASM on this same thread, which on a loaded machine adds up to ~100 ms: allowed there.
      const allowance = backend.name === 'postgres' ? 50 : 200;
      expect(p99(latencies)).toBeLessThan(allowance + p99(baseline));
      const info = await call('GET', `/api/products/${id}/main_file_info/`, alice.auth);
      expect(info.body.main_file).toMatchObject({ n_rows: largeRows, format: 'csv' });
    });

    it('keeps small files synchronous, exactly as the pzserver client expects', async () => {
      const small = path.join(scratch, 'small.csv');
      const rows = writeCsv(small, 0.1);
      const id = await createProduct(server, alice.auth, 'redshift_catalog');
      await attachMainFile(server, id, alice.userId, small);
      const registry = await call('GET', `/api/products/${id}/registry/`, alice.auth);
      expect(registry.status).toBe(200);
      expect(registry.body).toMatchObject({ id });
      expect((await call('GET', `/api/products/${id}/main_file_info/`, alice.auth)).body.main_file).toMatchObject({ n_rows: rows });
    });

    it('takes up a registry whose process died mid-way: the product is untouched until another attempt finishes it', async () => {
      const id = await createProduct(server, alice.auth, 'redshift_catalog');
      const fileId = await attachMainFile(server, id, alice.userId, large);
      // Another process took the registry job and died mid-way: its lease is still running.
      const commandId = randomUUID();
      const payload = {
        productId: id, fileId, caller: { userId: alice.userId, isAdmin: false },
        context: { actor: { kind: 'user', userId: alice.userId, username: 'alice' }, client: { kind: 'token' }, commandId, correlationId: commandId, causationId: commandId },
      };
      const db = server.deps.database.kysely;
      await sql`INSERT INTO jobs (kind, subject, payload, state, attempts, max_attempts, lease_owner, lease_token, lease_expires_at)
        VALUES ('registry', ${`product:${id}`}, ${JSON.stringify(payload)}::jsonb, 'running', 1, 3, 'dead', 'dead:token', now() + interval '1 hour')`.execute(db);
      // Asking again joins the job in progress rather than starting a second one.
      const again = await call('GET', `/api/products/${id}/registry/`, alice.auth);
      expect(again).toMatchObject({ status: 202, body: { state: 'running', attempts: 1 } });
      await sleep(1500);
      expect((await call('GET', `/api/products/${id}/main_file_info/`, alice.auth)).body.main_file).toMatchObject({ n_rows: null, format: null });
      // Its lease runs out: this process's worker takes the job up and finishes it.
      await sql`UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE subject = ${`product:${id}`}`.execute(db);
      const finished = await waitForJob(id);
      expect(finished).toMatchObject({ state: 'done', attempts: 2, result: { outcome: 'registered', n_rows: largeRows } });
      expect((await call('GET', `/api/products/${id}/main_file_info/`, alice.auth)).body.main_file).toMatchObject({ n_rows: largeRows, format: 'csv' });
    });
  });
}
