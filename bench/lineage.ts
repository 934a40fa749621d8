import { sql } from 'kysely';
import { migrate } from '@pz/database';
import { provenanceProjection, type ProvenanceTables } from '@pz/projections';
import { lineageOf } from '../services/api/src/provenance/lineage-query';
import type { BenchContext, Benchmark } from './support/benchmark';
import { Random } from './support/random';
import { describeServer, openScratchPglite, openScratchPostgres, withScratch, type ScratchDatabase } from './support/scratch-database';
import { describeLatencies, summarize } from './support/stats';

const NODES = 10_000;
const SAMPLES = 400;
const TARGET_P99_MS = 20;

/**
 * Lineage queries (services/api/src/provenance/lineage-query.ts: the recursive walk plus the
 * edges between the products reached) on a 10,000-product derivation graph shaped like a
 * catalogue: 40 % of products have no parent, the others 1-3 parents among the 300 products
 * registered just before them (pipelines derive from recent products), which makes chains
 * dozens of steps deep and diamonds everywhere. Ancestors and descendants, to any depth, from
 * products drawn at random; the baseline is one edge-table lookup by primary key in the same
 * database, which no lineage answer can beat.
 */
export const benchmark: Benchmark = {
  name: 'lineage',
  title: 'provenance ancestors / descendants on a 10,000-product graph',
  async run(context) {
    await withScratch(openScratchPostgres(context.settings.databaseUrl), (scratch) => measure(context, scratch));
    await withScratch(openScratchPglite(), (scratch) => measure(context, scratch));
  },
};

async function measure(context: BenchContext, scratch: ScratchDatabase): Promise<void> {
  const { database, backend } = scratch;
  context.log(`${backend}: ${await describeServer(database)}`);
  await migrate(database, provenanceProjection.name, provenanceProjection.migrations);
  const db = database.kysely.withTables<ProvenanceTables>();
  const random = new Random(context.settings.seed);
  const edges: { product_id: number; parent_id: number; source: string; run_id: null }[] = [];
  for (let id = 2; id <= NODES; id++) {
    if (random.next() < 0.4) continue;
    const parents = new Set<number>();
    for (let k = random.int(1, 3); k > 0; k--) parents.add(Math.max(1, id - random.int(1, 300)));
    for (const parent_id of parents) edges.push({ product_id: id, parent_id, source: 'declared', run_id: null });
  }
  for (let i = 0; i < edges.length; i += 2000) await db.insertInto('provenance_edges').values(edges.slice(i, i + 2000)).execute();
  await sql`ANALYZE provenance_edges`.execute(database.kysely);
  context.log(`${backend}: ${NODES} products, ${edges.length} derivation edges`);

  const starts = Array.from({ length: SAMPLES }, () => random.int(1, NODES));
  const time = async (work: (id: number) => Promise<unknown>) => {
    for (const id of starts.slice(0, 20)) await work(id);
    const latencies: number[] = [];
    let reached = 0;
    for (const id of starts) {
      const began = performance.now();
      const answer = await work(id);
      latencies.push(performance.now() - began);
      if (answer && typeof answer === 'object' && 'depths' in answer) reached += (answer as { depths: Map<number, number> }).depths.size;
    }
    return { summary: summarize(latencies), meanReached: reached / starts.length };
  };
  const baseline = await time((id) => db.selectFrom('provenance_edges').selectAll().where('product_id', '=', id).execute());
  context.log(`${backend} baseline (edges of one product): ${describeLatencies(baseline.summary)}`);
  for (const direction of ['ancestors', 'descendants'] as const) {
    const walk = await time((id) => lineageOf(db, id, direction));
    context.log(`${backend} ${direction}: ${describeLatencies(walk.summary)}; ${walk.meanReached.toFixed(0)} products reached on average`);
    context.record({
      label: `${backend}: ${direction}, any depth, p99`,
      value: walk.summary.p99,
      unit: 'ms',
      baseline: { label: 'one primary-key lookup, p99', value: baseline.summary.p99 },
      target: { on: 'value', compare: '<', threshold: TARGET_P99_MS },
      note: `${walk.meanReached.toFixed(0)} products reached on average; median ${walk.summary.p50.toFixed(2)} ms`,
    });
  }
}
