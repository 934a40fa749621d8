import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { startServices } from '@pz/api/server';
import { loadConfig } from '@pz/config';
import { appendAll, takeEvents } from './support/append-all';
import type { BenchContext, Benchmark } from './support/benchmark';
import { CatalogueGenerator, NAME_WORDS, type BenchUser } from './support/catalogue-events';
import { runHttpLoad, type LoadResult } from './support/http-load';
import { Random } from './support/random';
import { describeServer, openScratchPostgres, withScratch } from './support/scratch-database';
import { formatMs, sleep } from './support/stats';

const TARGET_P99_MS = 25;
const WARMUP_SECONDS = 3;
/** Distinct list queries in the broad mix, and how many requests its popularity is drawn over. */
const DISTINCT_QUERIES = 400;
const MIX_LENGTH = 20_000;
/** Catalogue changes per second while the list is under load (each moves the projector, so each empties the server's listing cache). */
const WRITES_PER_SECOND = 2;
const CACHE_HEADER = 'x-catalogue-cache';

/** A token key per user, known to the benchmark (the catalogue keeps only its sha256). */
const tokenKey = (user: BenchUser) => `bench${user.userId}key${createHash('sha256').update(String(user.userId)).digest('hex').slice(0, 24)}`;

/**
 * `GET /api/products/` with filters and search over a catalogue of BENCH_PRODUCTS products
 * (owned by 300 users, mostly published, a few deleted), served by the real API server on
 * PostgreSQL, under BENCH_HTTP_CONNECTIONS concurrent keep-alive clients (support/http-load.ts,
 * a closed-loop generator in its own process). The clients draw from 400 distinct queries
 * (type/release/status/owner filters, one- and two-word searches, every ordering, later pages,
 * plain browsing) with Zipf-like popularity, the eight queries of the first version of this
 * benchmark being the most popular; default page size (100). Meanwhile the catalogue changes
 * twice a second (a product's description is edited), as on a service in use: answers kept by
 * the server's listing cache that show the edited product are brought up to date. The mix runs
 * first from a cold listing cache (informative), then again (the figure with the target). It is
 * measured again with products renamed twice a second instead (each rename may change any list,
 * so each empties the listing cache), and with `Cache-Control: no-cache` (every answer read from
 * the database). The baseline is `GET /api/` (authentication, no catalogue
 * query) under the same load. A second set of selective queries (few matches, uncached) is
 * measured too, for comparison.
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
        const distinct = listQueries(generator, context.settings.seed);
        const paths = popularityMix(distinct, context.settings.seed);
        const selective = selectiveQueries(generator);
        await checkAnswers(context, origin, { ...headers, 'cache-control': 'no-cache' }, [...distinct.slice(0, 8), ...selective]);
        context.log(`broad mix: ${distinct.length} distinct queries, ${new Set(paths.slice(0, 1000)).size} of them in the first 1,000 requests`);

        const load = (label: string, loadPaths: readonly string[], loadHeaders: Record<string, string>) =>
          runHttpLoad({ origin, paths: loadPaths, headers: loadHeaders, connections: context.settings.httpConnections, seconds: context.settings.httpSeconds, warmupSeconds: WARMUP_SECONDS, tallyHeader: CACHE_HEADER, client: context.settings.httpClient }).then((r) => {
            context.log(`${label}: ${describeLoad(r)}`);
            if (r.errors) throw new Error(`${label}: ${r.errors} failed requests, e.g. ${r.firstError}`);
            return r;
          });
        const uncachedHeaders = { ...headers, 'cache-control': 'no-cache' };
        const root = await load('GET /api/', ['/api/'], headers);
        const edits = editWhileLoaded(services.deps, generator, context.settings.products);
        let cold: LoadResult;
        let list: LoadResult;
        let uncached: LoadResult;
        try {
          // The server has answered none of the mix yet: every first request of a query is read
          // from the database. Then the same mix again, the listing cache as that left it.
          cold = await load('GET /api/products/?… (broad mix, catalogue changing, from a cold listing cache)', paths, headers);
          list = await load('GET /api/products/?… (broad mix, catalogue changing, continued)', paths, headers);
          uncached = await load('GET /api/products/?… (broad mix, catalogue changing, no-cache)', paths, uncachedHeaders);
        } finally {
          context.log(`catalogue edits during the broad runs: ${await edits.stop()}`);
        }
        // Renames instead: every change may change any list, so each empties the listing cache.
        const renames = editWhileLoaded(services.deps, generator, context.settings.products, 'rename', 1_000_000);
        let renamed: LoadResult;
        try {
          renamed = await load('GET /api/products/?… (broad mix, products renamed twice a second)', paths, headers);
        } finally {
          context.log(`renames during that run: ${await renames.stop()}`);
        }
        const firstEight = await load('GET /api/products/?… (the first version\'s eight queries, no-cache)', distinct.slice(0, 8), uncachedHeaders);
        const narrow = await load('GET /api/products/?… (selective, no-cache)', selective, uncachedHeaders);
        // The ceiling of answering from PostgreSQL plus a cache: the catalogue still, every answer kept.
        const kept = await load('GET /api/products/?… (the eight queries, catalogue unchanged, cached)', distinct.slice(0, 8), headers);
        context.record({
          label: `GET /api/products/ (filters + search, ${context.settings.products.toLocaleString('en-US')} products, ${distinct.length} distinct queries, catalogue changing, the mix continued after the cold run), p99, ${context.settings.httpConnections} clients`,
          value: list.latency.p99,
          unit: 'ms',
          baseline: { label: 'GET /api/', value: root.latency.p99 },
          target: { on: 'value', compare: '<', threshold: TARGET_P99_MS },
          note: `p50 ${formatMs(list.latency.p50)} (baseline ${formatMs(root.latency.p50)}); listing cache hits ${hitPercent(list)} of ${list.requests} requests`,
        });
        context.record({
          label: `GET /api/products/ (the same mix from a cold listing cache: the first ${context.settings.httpSeconds} s after ${WARMUP_SECONDS} s of warm-up), p99, ${context.settings.httpConnections} clients`,
          value: cold.latency.p99,
          unit: 'ms',
          baseline: { label: 'GET /api/', value: root.latency.p99 },
          note: `p50 ${formatMs(cold.latency.p50)}, ${cold.requestsPerSecond.toFixed(0)} requests/s; listing cache hits ${hitPercent(cold)}`,
        });
        context.record({
          label: `GET /api/products/ (same mix, products renamed twice a second instead: each change empties the listing cache), p99, ${context.settings.httpConnections} clients`,
          value: renamed.latency.p99,
          unit: 'ms',
          baseline: { label: 'GET /api/', value: root.latency.p99 },
          note: `p50 ${formatMs(renamed.latency.p50)}, ${renamed.requestsPerSecond.toFixed(0)} requests/s; listing cache hits ${hitPercent(renamed)}`,
        });
        context.record({
          label: `GET /api/products/ (same mix, Cache-Control: no-cache), p99, ${context.settings.httpConnections} clients`,
          value: uncached.latency.p99,
          unit: 'ms',
          baseline: { label: 'GET /api/', value: root.latency.p99 },
          note: `p50 ${formatMs(uncached.latency.p50)}, ${uncached.requestsPerSecond.toFixed(0)} requests/s`,
        });
        context.record({
          label: `GET /api/products/ (the eight queries of the first version of this benchmark, no-cache), p99, ${context.settings.httpConnections} clients`,
          value: firstEight.latency.p99,
          unit: 'ms',
          baseline: { label: 'GET /api/', value: root.latency.p99 },
          note: `p50 ${formatMs(firstEight.latency.p50)}, ${firstEight.requestsPerSecond.toFixed(0)} requests/s`,
        });
        context.record({
          label: `GET /api/products/ (selective filters, ≤ a few hundred matches, no-cache), p99, ${context.settings.httpConnections} clients`,
          value: narrow.latency.p99,
          unit: 'ms',
          baseline: { label: 'GET /api/', value: root.latency.p99 },
          note: `p50 ${formatMs(narrow.latency.p50)}, ${narrow.requestsPerSecond.toFixed(0)} requests/s`,
        });
        context.record({
          label: `GET /api/products/ (the eight queries, catalogue unchanged, every answer from the listing cache), p99, ${context.settings.httpConnections} clients`,
          value: kept.latency.p99,
          unit: 'ms',
          baseline: { label: 'GET /api/', value: root.latency.p99 },
          note: `informative: serving kept answers only; p50 ${formatMs(kept.latency.p50)}, ${kept.requestsPerSecond.toFixed(0)} requests/s, hits ${kept.tally.hit ?? 0} of ${kept.requests}`,
        });
        context.record({
          label: `GET /api/products/ (filters + search) throughput, ${context.settings.httpConnections} clients`,
          value: list.requestsPerSecond,
          unit: 'requests/s',
          baseline: { label: 'GET /api/', value: root.requestsPerSecond },
          note: `no-cache: ${uncached.requestsPerSecond.toFixed(0)} requests/s`,
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

/**
 * `count` distinct queries a person or a notebook would send: first the eight of this
 * benchmark's first version, then random ones (seeded) of the same kinds plus plain browsing:
 * filters, one- and two-word searches, every ordering, later pages.
 */
function listQueries(generator: CatalogueGenerator, seed: number, count = DISTINCT_QUERIES): string[] {
  const owner = generator.users[0];
  const other = generator.users[3];
  if (!owner || !other) throw new Error('no users');
  const queries = new Set([
    '/api/products/?search=lephare',
    '/api/products/?product_type=training_set&release=DP1&search=desi',
    '/api/products/?status=1&search=deep%20lephare',
    `/api/products/?uploaded_by=${owner.username}&ordering=-created_at`,
    '/api/products/?product_type=photoz_estimates&official_product=false&search=gpz',
    '/api/products/?release_name=dp02&product_name=deep',
    `/api/products/?search=${other.lastName.toLowerCase()}&ordering=display_name`,
    '/api/products/?product_type__in=redshift_catalog,training_set&search=zcosmos&page=2',
  ]);
  const rng = new Random(seed ^ 0x5eed);
  const word = () => rng.pick([...NAME_WORDS.algorithms, ...NAME_WORDS.surveys, ...NAME_WORDS.qualifiers, ...NAME_WORDS.lastNames]).toLowerCase();
  const type = () => rng.pick(['redshift_catalog', 'training_set', 'training_results', 'validation_results', 'photoz_estimates', 'object_catalog', 'other']);
  const ordering = () => rng.pick(['', '&ordering=display_name', '&ordering=-display_name', '&ordering=created_at', '&ordering=-created_at', '&ordering=id', '&ordering=product_type']);
  const page = () => (rng.chance(0.8) ? '' : `&page=${rng.int(2, 4)}`);
  const busyOwner = () => generator.users[rng.int(0, 29)]?.username ?? owner.username;
  const kinds: (() => string)[] = [
    () => `search=${word()}`,
    () => `search=${rng.pick(NAME_WORDS.surveys).toLowerCase()}%20${rng.pick(NAME_WORDS.qualifiers)}`,
    () => `product_type=${type()}&search=${word()}`,
    () => `release=${rng.pick(['DP1', 'DP02', 'DC2'])}&product_type=${rng.pick(['training_set', 'training_results', 'validation_results', 'photoz_estimates'])}`,
    () => `uploaded_by=${busyOwner()}`,
    () => `release_name=${rng.pick(['dp1', 'dp02', 'dc2'])}&product_name=${rng.pick(NAME_WORDS.qualifiers)}`,
    () => `product_type__in=${type()},${type()}&search=${word()}`,
    () => `status=1&search=${word()}`,
    () => `official_product=true&product_type=${type()}`,
    () => `product_type=${type()}`,
    () => 'status=1',
    () => '',
  ];
  while (queries.size < count) {
    const filters = rng.pick(kinds)();
    const rest = `${ordering()}${page()}`;
    queries.add(`/api/products/?${filters}${filters ? rest : rest.slice(1)}`.replace(/\?$/, ''));
  }
  return [...queries];
}

/** A request sequence over `queries` where the i-th is requested in proportion to 1/i (Zipf), shuffled from a seed. */
function popularityMix(queries: readonly string[], seed: number, length = MIX_LENGTH): string[] {
  const rng = new Random(seed ^ 0x21bf);
  const weighted = queries.map((q, i) => [q, 1 / (i + 1)] as const);
  return Array.from({ length }, () => rng.weighted(weighted));
}

/**
 * Edits product descriptions at WRITES_PER_SECOND through the event store, as users would; the
 * server's projector applies them. `stop` ends it and says how many were appended.
 */
function editWhileLoaded(deps: Deps, generator: CatalogueGenerator, products: number, kind: 'description' | 'rename' = 'description', firstEdit = 1): { stop(): Promise<number> } {
  const rng = new Random(generator.seed ^ 0xed17);
  let running = true;
  let appended = 0;
  const loop = (async () => {
    for (let edit = firstEdit; running; edit++) {
      const next = sleep(1000 / WRITES_PER_SECOND);
      const { stream, events } = generator.productEdit(rng.int(1, products), edit, kind);
      const result = await deps.store.append(stream, events, 'stream_exists');
      if (!result.ok) throw new Error(`editing ${stream}: ${result.error.message}`);
      appended++;
      await next;
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return appended;
    },
  };
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
  `${r.client}: ${r.requests} requests, ${r.requestsPerSecond.toFixed(0)}/s; p50 ${formatMs(r.latency.p50)}, p90 ${formatMs(r.latency.p90)}, p99 ${formatMs(r.latency.p99)}, max ${formatMs(r.latency.max)}; ${CACHE_HEADER}: ${Object.entries(r.tally).map(([v, n]) => `${v} ${n}`).join(', ')}`;

/** The share of a run's answers that came from the listing cache. */
const hitPercent = (r: LoadResult) => `${((100 * (r.tally.hit ?? 0)) / r.requests).toFixed(1)} %`;
