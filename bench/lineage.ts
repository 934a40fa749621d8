import { sql, type Kysely } from 'kysely';
import type { RecordedEvent } from '@pz/contracts';
import { migrate } from '@pz/database';
import { provenanceProjection, type ProvenanceTables } from '@pz/projections';
import { lineageOf } from '../services/api/src/provenance/lineage-query';
import { lineageOf as recursiveLineageOf } from './support/recursive-lineage';
import type { BenchContext, Benchmark } from './support/benchmark';
import { Random } from './support/random';
import { describeServer, openScratchPglite, openScratchPostgres, withScratch, type ScratchDatabase } from './support/scratch-database';
import { describeLatencies, summarize, type LatencySummary } from './support/stats';

const NODES = 10_000;
const SAMPLES = 400;
const TARGET_P99_MS = 20;
/** Events per transaction while the graph is built, as the projector hands them over (its default page). */
const PAGE = 1000;

/**
 * Lineage queries (services/api/src/provenance/lineage-query.ts: one range of the closure table
 * plus the edges leaving the products reached) on a 10,000-product derivation graph shaped like
 * a catalogue: 40 % of products have no parent, the others 1-3 parents among the 300 products
 * registered just before them (pipelines derive from recent products), which makes chains
 * dozens of steps deep and diamonds everywhere. The graph is built by the provenance projection
 * itself (registrations with `derivedFrom`, a page of 1,000 per transaction), so the closure
 * table is the one its maintenance code keeps. Ancestors and descendants, to any depth, from
 * products drawn at random; compared in the same run with the recursive walk over the edges it
 * replaced (bench/support/recursive-lineage.ts, the two taking turns on each
 * product), and with one edge-table lookup by primary key, which no lineage answer can beat.
 */
export const benchmark: Benchmark = {
  name: 'lineage',
  title: 'provenance ancestors / descendants on a 10,000-product graph',
  async run(context) {
    await withScratch(openScratchPostgres(context.settings.databaseUrl), (scratch) => measure(context, scratch));
    await withScratch(openScratchPglite(), (scratch) => measure(context, scratch));
  },
};

export function registrations(random: Random): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  for (let id = 1; id <= NODES; id++) {
    const parents = new Set<number>();
    if (id > 1 && random.next() >= 0.4) for (let k = random.int(1, 3); k > 0; k--) parents.add(Math.max(1, id - random.int(1, 300)));
    events.push({
      id: `e${id}`, streamName: `product-${id}`, revision: 0n, position: { commit: BigInt(id), prepare: 0n }, type: 'ProductRegistered',
      data: { productId: id, internalName: `${id}_p`, displayName: `P${id}`, productTypeName: 'training_set', releaseName: null, officialProduct: false, pzCode: null, description: null, ownerId: 1, origin: 'Upload', processId: null, derivedFrom: [...parents], initialStatus: 0 },
      metadata: { actor: { kind: 'user', userId: 1, username: 'bench' }, client: { kind: 'token' }, correlationId: 'c', causationId: 'c', schemaVersion: 1, previousEventHash: '', recordedAt: '2025-01-01T00:00:00.000Z' },
    });
  }
  return events;
}

/** Applies the events a page per transaction with `apply`; events per second. */
async function build(db: Kysely<object>, events: readonly RecordedEvent[], apply: (trx: Kysely<object>, page: readonly RecordedEvent[]) => Promise<void>): Promise<number> {
  const began = performance.now();
  for (let i = 0; i < events.length; i += PAGE) await db.transaction().execute((trx) => apply(trx, events.slice(i, i + PAGE)));
  return events.length / ((performance.now() - began) / 1000);
}

/** What the projection did with a registration before the closure table: replace the product's declared edges (into a copy of the edge table). */
async function edgesOnly(trx: Kysely<object>, page: readonly RecordedEvent[]): Promise<void> {
  for (const event of page) {
    const d = event.data as { productId: number; derivedFrom: number[] };
    if (d.derivedFrom.length === 0) continue;
    await sql`DELETE FROM edges_before WHERE product_id = ${d.productId} AND source = 'declared'`.execute(trx);
    await sql`INSERT INTO edges_before (product_id, parent_id, source) SELECT ${d.productId}, p, 'declared' FROM unnest(${d.derivedFrom}::int[]) AS p`.execute(trx);
  }
}

const line = (s: LatencySummary) => `${s.p50.toFixed(2)} / ${s.p90.toFixed(1)} / ${s.p99.toFixed(1)} ms`;

async function measure(context: BenchContext, scratch: ScratchDatabase): Promise<void> {
  const { database, backend } = scratch;
  context.log(`${backend}: ${await describeServer(database)}`);
  await migrate(database, provenanceProjection.name, provenanceProjection.migrations);
  const db = database.kysely.withTables<ProvenanceTables>();
  const events = registrations(new Random(context.settings.seed));
  const random = new Random(context.settings.seed + 1);

  await sql`CREATE TABLE edges_before (product_id integer NOT NULL, parent_id integer NOT NULL, source text NOT NULL, PRIMARY KEY (product_id, parent_id, source))`.execute(database.kysely);
  const before = await build(database.kysely, events, edgesOnly);
  context.log(`${backend}: edges only (the projection before the closure table): ${before.toFixed(0)} events/s`);
  const after = await build(database.kysely, events, (trx, page) => provenanceProjection.apply(trx, page));
  await sql`VACUUM ANALYZE provenance_edges`.execute(database.kysely);
  await sql`VACUUM ANALYZE provenance_closure`.execute(database.kysely);
  const size = (await sql<{ edges: number; rows: number; bytes: string }>`SELECT (SELECT count(*) FROM provenance_edges)::int AS edges, (SELECT count(*) FROM provenance_closure)::int AS rows,
    pg_size_pretty(pg_total_relation_size('provenance_closure')) AS bytes`.execute(database.kysely)).rows[0];
  context.log(`${backend}: ${NODES} products, ${size?.edges} derivation edges; closure ${size?.rows} rows, ${size?.bytes} with its indexes; built by the projection at ${after.toFixed(0)} events/s`);
  context.record({
    label: `${backend}: projection with the closure table, registrations with parents`,
    value: after,
    unit: 'events/s',
    baseline: { label: 'edges only, as before', value: before },
    note: `closure ${size?.rows} rows, ${size?.bytes}`,
  });

  const starts = Array.from({ length: SAMPLES }, () => random.int(1, NODES));
  const timed = async (work: () => Promise<unknown>) => {
    const began = performance.now();
    const answer = await work();
    return { ms: performance.now() - began, reached: answer && typeof answer === 'object' && 'depths' in answer ? (answer as { depths: Map<number, number> }).depths.size : 0 };
  };
  const lookups: number[] = [];
  for (const id of starts) lookups.push((await timed(() => db.selectFrom('provenance_edges').selectAll().where('product_id', '=', id).execute())).ms);
  const baseline = summarize(lookups);
  context.log(`${backend} baseline (edges of one product): ${describeLatencies(baseline)}`);
  for (const direction of ['ancestors', 'descendants'] as const) {
    for (const id of starts.slice(0, 20)) await Promise.all([lineageOf(db, id, direction), recursiveLineageOf(db, id, direction)]);
    // The two queries take turns on each product, so that a burst of load from elsewhere falls on both.
    const closure: number[] = [];
    const recursive: number[] = [];
    let reached = 0;
    for (const [n, id] of starts.entries()) {
      const pair = n % 2 === 0
        ? [await timed(() => lineageOf(db, id, direction)), await timed(() => recursiveLineageOf(db, id, direction))]
        : [await timed(() => recursiveLineageOf(db, id, direction)), await timed(() => lineageOf(db, id, direction))].reverse();
      const [mine, old] = pair as [{ ms: number; reached: number }, { ms: number; reached: number }];
      if (mine.reached !== old.reached) throw new Error(`${direction} of ${id}: the closure reached ${mine.reached} products, the recursive walk ${old.reached}`);
      closure.push(mine.ms);
      recursive.push(old.ms);
      reached += mine.reached;
    }
    const walk = summarize(closure);
    const before = summarize(recursive);
    const mean = (reached / starts.length).toFixed(0);
    context.log(`${backend} ${direction}: closure p50/p90/p99 ${line(walk)}, recursive walk ${line(before)}, baseline ${line(baseline)}; ${mean} products reached on average`);
    context.log(`${backend} ${direction}: ${describeLatencies(walk)}`);
    context.record({
      label: `${backend}: ${direction}, any depth, p99`,
      value: walk.p99,
      unit: 'ms',
      baseline: { label: 'one primary-key lookup, p99', value: baseline.p99 },
      target: { on: 'value', compare: '<', threshold: TARGET_P99_MS },
      note: `p50 ${walk.p50.toFixed(2)} / p90 ${walk.p90.toFixed(1)} ms; the recursive walk it replaced: p50 ${before.p50.toFixed(2)} / p90 ${before.p90.toFixed(1)} / p99 ${before.p99.toFixed(1)} ms; ${mean} products reached on average`,
    });
  }
}
