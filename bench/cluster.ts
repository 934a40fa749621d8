import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { multipartForm } from '@pz/api/files/testing';
import { dropSchema } from '@pz/database/testing';
import { Client, Cluster } from '../tests/cluster/cluster-harness';
import type { BenchContext, Benchmark } from './support/benchmark';

const CLIENTS = 8;
const SEEDED_PRODUCTS = 40;

/**
 * Several app processes on one PostgreSQL schema (and one shared blob folder): the throughput of
 * a mixed workload — 60 % product lists, 20 % product pages, 10 % small uploads, 10 % edits,
 * from 8 clients spreading requests round robin, each sending back the position of its last
 * write (X-Pz-Position) — with 1, 2 and 3 processes, as ratios to 1 process; then the failover
 * time: the leader SIGKILLed, how long until a write through another process is acknowledged
 * (it waits for the catalogue, which waits for a new leader). BENCH_CLUSTER_SECONDS per run
 * (default 5).
 */
export const benchmark: Benchmark = {
  name: 'cluster',
  title: 'mixed workload over 1, 2, 3 app processes; failover time',
  async run(context) {
    const seconds = Number(process.env.BENCH_CLUSTER_SECONDS ?? 5);
    let single: number | null = null;
    for (const processes of [1, 2, 3]) {
      const opsPerSecond = await withCluster(context, processes, async (cluster, auth, products) => {
        const failover = processes === 3;
        const rate = await mixedLoad(cluster, auth, products, seconds);
        if (failover) context.record({ label: 'failover: write acknowledged after the leader is SIGKILLed', value: await failoverMs(cluster, auth, products), unit: 'ms' });
        return rate;
      });
      single ??= opsPerSecond;
      context.record({
        label: `mixed workload, ${processes} process${processes > 1 ? 'es' : ''}`,
        value: opsPerSecond,
        unit: 'requests/s',
        ...(processes > 1 ? { baseline: { label: '1 process', value: single } } : {}),
        note: `${CLIENTS} clients, ${seconds} s`,
      });
    }
  },
};

async function withCluster<T>(context: BenchContext, processes: number, use: (cluster: Cluster, auth: string, products: number[]) => Promise<T>): Promise<T> {
  const url = context.settings.databaseUrl;
  const schema = `bench_cluster_${randomBytes(4).toString('hex')}`;
  const blobDir = mkdtempSync(path.join(os.tmpdir(), 'pz-bench-cluster-blobs-'));
  const cluster = new Cluster({ DATABASE_URL: url, DATABASE_SCHEMA: schema, PZ_SECRET: 'bench-cluster-secret-0123456789', BLOB_DIR: blobDir, MAX_CONCURRENT_UPLOADS_PER_USER: String(CLIENTS), LOG_LEVEL: 'warn', HOST: '127.0.0.1' });
  try {
    const started = performance.now();
    await cluster.start(0);
    await Promise.all([...Array(processes - 1).keys()].map((i) => cluster.start(i + 1)));
    context.log(`${processes} process(es) answering after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const auth = await signUp(cluster);
    const seeder = new Client(cluster, auth);
    const products: number[] = [];
    for (let i = 0; i < SEEDED_PRODUCTS; i++) {
      const created = await seeder.send('POST', '/api/products/', { json: { display_name: `bench ${i}`, product_type: 'other', description: `seeded ${i}` } });
      products.push(created.json<{ id: number }>().id);
    }
    return await use(cluster, auth, products);
  } finally {
    await cluster.stop();
    await dropSchema(url, schema);
    rmSync(blobDir, { recursive: true, force: true });
  }
}

async function signUp(cluster: Cluster): Promise<string> {
  const client = new Client(cluster);
  await client.send('POST', '/api/auth/register/', { json: { username: 'bench', password: 'correct horse battery' }, idempotent: false });
  const login = await client.send('POST', '/api/auth/login/', { json: { username: 'bench', password: 'correct horse battery' }, idempotent: false });
  const cookies = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const issued = await client.send('POST', '/api/get_token/', { headers: { cookie: cookies, 'x-csrftoken': login.json<{ csrf_token: string }>().csrf_token }, idempotent: false });
  return `Token ${issued.json<{ token: string }>().token}`;
}

async function mixedLoad(cluster: Cluster, auth: string, products: readonly number[], seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const client = async (c: number) => {
    const me = new Client(cluster, auth);
    for (let i = 0; performance.now() < deadline; i++) {
      const pick = (c * 31 + i * 17) % 10;
      const product = products[(c * 7 + i) % products.length] as number;
      let answer;
      if (pick < 6) answer = await me.send('GET', `/api/products/?page_size=20&page=${1 + (i % 2)}`);
      else if (pick < 8) answer = await me.send('GET', `/api/products/${product}/`);
      else if (pick < 9) answer = await me.send('POST', '/api/product-files/', { form: multipartForm([{ name: 'product', value: String(product) }, { name: 'role', value: '2' }, { name: 'file', filename: `aux-${c}-${i}.txt`, content: randomBytes(2048) }]) });
      else answer = await me.send('PATCH', `/api/products/${product}/`, { json: { description: `edited by ${c} at ${i}` } });
      if (answer.status >= 400) throw new Error(`mixed workload: ${answer.status} ${answer.body.toString().slice(0, 200)}`);
      done++;
    }
  };
  const started = performance.now();
  await Promise.all([...Array(CLIENTS).keys()].map(client));
  return done / ((performance.now() - started) / 1000);
}

async function failoverMs(cluster: Cluster, auth: string, products: readonly number[]): Promise<number> {
  const victim = cluster.processes[0];
  const survivor = cluster.processes[1];
  if (!victim || !survivor) throw new Error('failover needs two processes');
  const killed = performance.now();
  await cluster.kill(0);
  const response = await fetch(`${survivor.origin}/api/products/${products[0]}/`, { method: 'PATCH', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ description: 'written while the leader is gone' }) });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`failover write: ${response.status}`);
  return performance.now() - killed;
}
