import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase } from '@pz/database';
import { dropSchema } from '@pz/database/testing';
import { multipartForm } from '@pz/api/files/testing';
import { openPostgresEventStore, verifyLedger } from '@pz/ledger';
import { catalogueProjection, createProjector } from '@pz/projections';
import { snapshotReadModel } from '../crash/crash-harness';
import { Client, Cluster, sha256, sleep } from './cluster-harness';

const url = process.env.DATABASE_URL;
const PROCESSES = 3;
const WORKERS = 4;
const ROUNDS = 5;

interface Written {
  readonly id: number;
  readonly name: string;
  description: string;
  readonly fileSha256: string;
  readonly fileId: number;
}

/**
 * The whole service scaled out: 3 app processes (each `main.ts`, as `npm start` runs it) on one
 * PostgreSQL schema and one hash-store folder, clients spreading writes and reads
 * over them round robin, one process SIGKILLed mid-load and restarted. Real PostgreSQL only.
 */
describe.runIf(url)('cluster of 3 app processes on PostgreSQL and one blob folder (runs only when DATABASE_URL is set)', () => {
  it('loses nothing when a process is SIGKILLed under load: every acknowledged write once, blobs intact, read models = replay, ledger verifies', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    // One hash store for the three processes. The S3 adapter passes the hash-store contract suite
    // against s3rver (services/blobs); s3rver itself does not survive a client SIGKILLed mid-upload
    // (an unhandled ENOENT on its temporary object), so it is not the store under this test.
    const blobDir = mkdtempSync(path.join(os.tmpdir(), 'pz-cluster-blobs-'));
    const cluster = new Cluster({
      DATABASE_URL: url as string,
      DATABASE_SCHEMA: schema,
      PZ_SECRET: 'cluster-secret-0123456789abcdef',
      BLOB_DIR: blobDir,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
    });
    const database = await openDatabase({ url, schema });
    try {
      await cluster.start(0);
      await Promise.all([...Array(PROCESSES - 1).keys()].map((i) => cluster.start(i + 1)));

      // Sign up through one process, sign in through the next, get a token through the third.
      const anonymous = new Client(cluster);
      expect((await anonymous.send('POST', '/api/auth/register/', { json: { username: 'carol', password: 'correct horse battery' }, idempotent: false })).status).toBe(201);
      const login = await anonymous.send('POST', '/api/auth/login/', { json: { username: 'carol', password: 'correct horse battery' }, idempotent: false });
      expect(login.status).toBe(200);
      const cookies = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const csrf = login.json<{ csrf_token: string }>().csrf_token;
      const issued = await anonymous.send('POST', '/api/get_token/', { headers: { cookie: cookies, 'x-csrftoken': csrf }, idempotent: false });
      expect(issued.status).toBe(200);
      const auth = `Token ${issued.json<{ token: string }>().token}`;

      const written: Written[] = [];
      const failures: string[] = [];
      const worker = async (w: number) => {
        const client = new Client(cluster, auth);
        client.position = anonymous.position;
        for (let round = 0; round < ROUNDS; round++) {
          const name = `w${w} r${round}`;
          const created = await client.send('POST', '/api/products/', { json: { display_name: name, product_type: 'other', description: 'first' } });
          if (created.status !== 201) {
            failures.push(`create ${name}: ${created.status} ${created.body.toString()}`);
            continue;
          }
          const id = created.json<{ id: number }>().id;
          const content = randomBytes(20_000 + ((w * 7919 + round * 104_729) % 180_000));
          const csv = Buffer.concat([Buffer.from('id,z\n'), Buffer.from(content.toString('hex'))]);
          const upload = await client.send('POST', '/api/product-files/', { form: multipartForm([{ name: 'product', value: String(id) }, { name: 'role', value: '1' }, { name: 'file', filename: `f${w}-${round}.csv`, content: csv }]) });
          if (upload.status !== 201) {
            failures.push(`upload ${name}: ${upload.status} ${upload.body.toString()}`);
            continue;
          }
          const record: Written = { id, name, description: 'first', fileSha256: sha256(csv), fileId: upload.json<{ id: number }>().id };
          written.push(record);
          const description = `edited ${round} by ${w}`;
          const edited = await client.send('PATCH', `/api/products/${id}/`, { json: { description } });
          if (edited.status === 200) record.description = description;
          else failures.push(`edit ${name}: ${edited.status} ${edited.body.toString()}`);
          // Read through whichever process comes next: it must show this client's own writes.
          const read = await client.send('GET', `/api/products/${id}/`);
          if (read.status !== 200 || read.json<{ description: string }>().description !== record.description) failures.push(`read ${name} through another process: ${read.status} ${read.body.toString()}`);
          const download = await client.send('GET', `/api/product-files/${record.fileId}/content/`);
          if (download.status !== 200 || sha256(download.body) !== record.fileSha256) failures.push(`download ${name}: ${download.status}, bytes ${sha256(download.body) === record.fileSha256 ? 'equal' : 'differ'}`);
          const half = Math.floor(csv.length / 2);
          const ranged = await client.send('GET', `/api/product-files/${record.fileId}/content/`, { headers: { range: `bytes=${half}-` } });
          if (ranged.status !== 206 || !ranged.body.equals(csv.subarray(half))) failures.push(`ranged download ${name}: ${ranged.status}`);
          const zip = await client.send('GET', `/api/products/${id}/download/`);
          if (zip.status !== 200 || zip.body.length < csv.length) failures.push(`zip of ${name}: ${zip.status}, ${zip.body.length} bytes`);
        }
      };

      const started = Date.now();
      const load = Promise.all([...Array(WORKERS).keys()].map(worker));
      // Mid-load (a quarter of the products written): the first process started, the
      // projector's leader, dies without a word, then comes back.
      while (written.length < (WORKERS * ROUNDS) / 4) await sleep(10);
      const writtenBeforeKill = written.length;
      await cluster.kill(0);
      await sleep(1000);
      await cluster.start(0);
      await load;
      console.log(`cluster load: ${Date.now() - started} ms, ${writtenBeforeKill} of ${WORKERS * ROUNDS} products written before the kill`);
      expect(writtenBeforeKill).toBeLessThan(WORKERS * ROUNDS);
      // A failure names the request; the processes' own error lines say why.
      if (failures.length > 0) for (const process of cluster.processes) console.log(process?.output().split('\n').filter((line) => line.includes('"level":50')).join('\n'));
      expect(failures).toEqual([]);
      expect(written.length).toBe(WORKERS * ROUNDS);

      // Every acknowledged write is there once, with its last acknowledged edit.
      const store = await openPostgresEventStore(database);
      const head = await store.headPosition();
      const reader = new Client(cluster, auth);
      reader.position = head;
      const listed = await reader.send('GET', '/api/products/?page_size=1000');
      const rows = listed.json<{ results: { id: number; display_name: string; description: string }[] }>().results;
      for (const w of written) {
        const matching = rows.filter((r) => r.display_name === w.name);
        expect(matching, w.name).toHaveLength(1);
        expect(matching[0]).toMatchObject({ id: w.id, description: w.description });
      }
      // Blobs intact: every uploaded file, downloaded through each process, has its bytes.
      for (const w of written) {
        const bytes = await reader.send('GET', `/api/product-files/${w.fileId}/content/`);
        expect(sha256(bytes.body), w.name).toBe(w.fileSha256);
      }
      // Read models = a replay of the log into an empty schema.
      const replaySchema = `t_${randomBytes(6).toString('hex')}`;
      const fresh = await openDatabase({ url, schema: replaySchema });
      try {
        const replay = createProjector(fresh, store, [catalogueProjection]);
        await replay.start();
        expect(await replay.waitFor(head, 30_000)).toBe(true);
        await replay.stop();
        const live = await (async () => {
          for (;;) {
            const at = await sql<{ c: string; p: string }>`SELECT commit_position::text AS c, prepare_position::text AS p FROM projection_checkpoints WHERE name = 'catalogue'`.execute(database.kysely);
            const row = at.rows[0];
            if (row && BigInt(row.c) === head.commit && BigInt(row.p) === head.prepare) return snapshotReadModel(database);
            await sleep(100);
          }
        })();
        expect(await snapshotReadModel(fresh)).toEqual(live);
      } finally {
        await fresh.close();
        await dropSchema(url as string, replaySchema);
      }
      // The hash chains of every stream hold.
      const verified = await verifyLedger(store);
      expect(verified.problems).toEqual([]);
      await store.close();
    } finally {
      await cluster.stop();
      await database.close();
      rmSync(blobDir, { recursive: true, force: true });
      await dropSchema(url as string, schema);
    }
  }, 300_000);
});
