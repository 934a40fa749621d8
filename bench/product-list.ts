import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { startServices } from '@pz/api/server';
import { loadConfig } from '@pz/config';
import { appendAll, takeEvents } from './support/append-all';
import type { BenchContext, Benchmark } from './support/benchmark';
import { CatalogueGenerator, type BenchUser } from './support/catalogue-events';
import { runHttpLoad, type LoadResult } from './support/http-load';
import { describeServer, openScratchPostgres, withScratch } from './support/scratch-database';
import { formatMs } from './support/stats';

const TARGET_P99_MS = 25;
const WARMUP_SECONDS = 3;

/** A token key per user, known to the benchmark (the catalogue keeps only its sha256). */
const tokenKey = (user: BenchUser) => `bench${user.userId}key${createHash('sha256').update(String(user.userId)).digest('hex').slice(0, 24)}`;

/**
 * `GET /api/products/` with filters and search over a catalogue of BENCH_PRODUCTS products
 * (owned by 300 users, mostly published, a few deleted), served by the real API server on
 * PostgreSQL, under BENCH_HTTP_CONNECTIONS concurrent keep-alive clients (support/http-load.ts,
 * a closed-loop generator in its own process). Each client cycles through eight realistic
 * queries (type/release/status/owner filters, one- and two-word searches, orderings, a second
 * page), default page size (100). The baseline is `GET /api/` (authentication, no catalogue
 * query) under the same load. A second set of selective queries (few matches) is measured too,
 * for comparison.
 */
export const benchmark: Benchmark = {
  name: 'product-list',
  title: 'GET /api/products/ with filters + search, 16 concurrent clients',
  async run(context) {
    await withScratch(openScratchPostgres(context.settings.databaseUrl, 10), async ({ database }) => {
      context.log(await describeServer(database));
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-bench-api-'));
      const config = loadConfig({ DATA_DIR: dataDir, PZ_SECRET: 'bench-secret-0123456789', HOST: '127.0.0.1', PORT: '0' });
      const services = await startServices(config, { database });
      try {
        const generator = new CatalogueGenerator(context.settings.seed);
        await seedCatalogue(context, services.deps, generator);
        const address = await services.app.listen({ host: '127.0.0.1', port: 0 });
        const origin = address.replace('localhost', '127.0.0.1');
        const reader = generator.users[7] ?? generator.users[0];
        if (!reader) throw new Error('no users');
        const headers = { authorization: `Token ${tokenKey(reader)}` };
        const paths = listQueries(generator);
        const selective = selectiveQueries(generator);
        await checkAnswers(context, origin, headers, [...paths, ...selective]);

        const load = (label: string, loadPaths: readonly string[]) =>
          runHttpLoad({ origin, paths: loadPaths, headers, connections: context.settings.httpConnections, seconds: context.settings.httpSeconds, warmupSeconds: WARMUP_SECONDS }).then((r) => {
            context.log(`${label}: ${describeLoad(r)}`);
            if (r.errors) throw new Error(`${label}: ${r.errors} failed requests, e.g. ${r.firstError}`);
            return r;
          });
        const root = await load('GET /api/', ['/api/']);
        const list = await load('GET /api/products/?… (broad)', paths);
        const narrow = await load('GET /api/products/?… (selective)', selective);
        context.record({
          label: `GET /api/products/ (filters + search, ${context.settings.products.toLocaleString('en-US')} products), p99, ${context.settings.httpConnections} clients`,
          value: list.latency.p99,
          unit: 'ms',
          baseline: { label: 'GET /api/', value: root.latency.p99 },
          target: { on: 'value', compare: '<', threshold: TARGET_P99_MS },
          note: `p50 ${formatMs(list.latency.p50)} (baseline ${formatMs(root.latency.p50)})`,
        });
        context.record({
          label: `GET /api/products/ (selective filters, ≤ a few hundred matches), p99, ${context.settings.httpConnections} clients`,
          value: narrow.latency.p99,
          unit: 'ms',
          baseline: { label: 'GET /api/', value: root.latency.p99 },
          note: `p50 ${formatMs(narrow.latency.p50)}, ${narrow.requestsPerSecond.toFixed(0)} requests/s`,
        });
        context.record({
          label: `GET /api/products/ (filters + search) throughput, ${context.settings.httpConnections} clients`,
          value: list.requestsPerSecond,
          unit: 'requests/s',
          baseline: { label: 'GET /api/', value: root.requestsPerSecond },
        });
      } finally {
        await services.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  },
};

type Deps = Awaited<ReturnType<typeof startServices>>['deps'];

/** Users with tokens, two more releases and the products, appended to the store; then the catalogue is caught up and vacuumed. */
async function seedCatalogue(context: BenchContext, deps: Deps, generator: CatalogueGenerator): Promise<void> {
  const count = context.settings.products;
  context.log(`writing ${count.toLocaleString('en-US')} products (registered, most published, a few deleted)...`);
  await appendAll(deps.store, [...generator.extraReleases(), ...generator.userAppends((u) => createHash('sha256').update(tokenKey(u)).digest('hex'))], 4);
  const written = await appendAll(deps.store, takeEvents((id) => generator.product(id, 'listed'), 1, { maxProducts: count }), 8);
  const started = performance.now();
  if (!(await deps.projector.waitFor(written.last, 10 * 60 * 1000))) throw new Error('the projector did not catch up');
  context.log(`wrote ${written.events.toLocaleString('en-US')} events in ${written.seconds.toFixed(1)} s; projected ${((performance.now() - started) / 1000).toFixed(1)} s after the last write`);
  // A catalogue that has been serving for a while has been vacuumed and analysed (statistics,
  // visibility map, GIN pending lists merged) by autovacuum; one just written may not be yet.
  await sql`VACUUM ANALYZE products, users, api_tokens, product_types, releases`.execute(deps.database.kysely);
}

/** Eight queries a person or a notebook would send: filters, searches, orderings, a second page. */
function listQueries(generator: CatalogueGenerator): string[] {
  const owner = generator.users[0];
  const other = generator.users[3];
  if (!owner || !other) throw new Error('no users');
  return [
    '/api/products/?search=lephare',
    '/api/products/?product_type=training_set&release=DP1&search=desi',
    '/api/products/?status=1&search=deep%20lephare',
    `/api/products/?uploaded_by=${owner.username}&ordering=-created_at`,
    '/api/products/?product_type=photoz_estimates&official_product=false&search=gpz',
    '/api/products/?release_name=dp02&product_name=deep',
    `/api/products/?search=${other.lastName.toLowerCase()}&ordering=display_name`,
    '/api/products/?product_type__in=redshift_catalog,training_set&search=zcosmos&page=2',
  ];
}

/** Queries that match few products: one owner's, several words at once, ids. Not the target's mix; they show what the list costs when matches are few. */
function selectiveQueries(generator: CatalogueGenerator): string[] {
  const rare = generator.users.at(-1);
  const quiet = generator.users.at(-2);
  if (!rare || !quiet) throw new Error('no users');
  return [
    `/api/products/?user=${rare.userId}`,
    '/api/products/?search=vipers%20gpz%20faint',
    '/api/products/?id__in=17,4242,31337,77777',
    `/api/products/?uploaded_by=${quiet.username}&ordering=display_name`,
  ];
}

/** Every query answers 200 with products, so the load measures real work. */
async function checkAnswers(context: BenchContext, origin: string, headers: Record<string, string>, paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    const response = await fetch(`${origin}${p}`, { headers });
    const body = (await response.json()) as { count?: number; results?: unknown[] };
    if (response.status !== 200 || !body.results?.length) throw new Error(`${p}: ${response.status}, ${body.results?.length ?? 0} results`);
    context.log(`  ${p} → ${body.count} products, ${body.results.length} on the page`);
  }
}

const describeLoad = (r: LoadResult) =>
  `${r.requests} requests, ${r.requestsPerSecond.toFixed(0)}/s; p50 ${formatMs(r.latency.p50)}, p90 ${formatMs(r.latency.p90)}, p99 ${formatMs(r.latency.p99)}, max ${formatMs(r.latency.max)}`;
