import { createHash } from 'node:crypto';
import { openPostgresEventStore } from '@pz/ledger';
import { catalogueProjection, createProjector, type CatalogueTables } from '@pz/projections';
import { appendAll, takeEvents } from './support/append-all';
import type { BenchContext, Benchmark } from './support/benchmark';
import { CatalogueGenerator } from './support/catalogue-events';
import { describeServer, openScratchPglite, openScratchPostgres, withScratch, type ScratchDatabase } from './support/scratch-database';
import { describeLatencies, sleep, summarize } from './support/stats';

const CATALOGUE_PRODUCTS = 10_000;
const TARGET_P99_MS = 50;

/**
 * Read-your-writes: how long from asking to append a ProductRegistered until the product can
 * be read from the catalogue, with the projector following live in the same process (as the
 * API server runs it). Writes arrive on a fixed schedule (open loop, BENCH_RYW_RATE per
 * second): each is timed from its scheduled start, through `append`, `projector.waitFor`
 * (what the command bus does before answering) and a SELECT of the new row, so a write that
 * queues behind a slow one is not hidden. The catalogue holds 10,000 products beforehand.
 */
export const benchmark: Benchmark = {
  name: 'read-your-writes',
  title: 'append → visible in the catalogue',
  async run(context) {
    await withScratch(openScratchPostgres(context.settings.databaseUrl), (scratch) => measure(context, scratch));
    await withScratch(openScratchPglite(), (scratch) => measure(context, scratch));
  },
};

async function measure(context: BenchContext, scratch: ScratchDatabase): Promise<void> {
  const { database, backend } = scratch;
  const { rywRate, rywSeconds } = context.settings;
  context.log(`${backend}: ${await describeServer(database)}`);
  const store = await openPostgresEventStore(database);
  const projector = createProjector(database, store, [catalogueProjection], { onError: (error) => context.log(`projector error: ${String(error)}`) });
  try {
    const generator = new CatalogueGenerator(context.settings.seed);
    await appendAll(store, [...generator.referenceData(), ...generator.userAppends((u) => createHash('sha256').update(u.tokenId).digest('hex'))], 1);
    const seeded = await appendAll(store, takeEvents((id) => generator.product(id, 'full'), 1, { maxProducts: CATALOGUE_PRODUCTS }), 8);
    await projector.start();
    if (!(await projector.waitFor(seeded.last, 10 * 60 * 1000))) throw new Error('the projector did not catch up with the seeded catalogue');
    context.log(`${backend}: catalogue of ${CATALOGUE_PRODUCTS.toLocaleString('en-US')} products ready; ${rywRate} writes/s for ${rywSeconds} s...`);

    const catalogue = database.kysely.withTables<CatalogueTables>();
    const writes = Math.round(rywRate * rywSeconds);
    const visible: number[] = [];
    const appended: number[] = [];
    let late = 0;
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < writes; i++) {
      const scheduled = started + (i * 1000) / rywRate;
      await sleep(scheduled - performance.now());
      const next = generator.product(CATALOGUE_PRODUCTS + 1 + i, 'registered');
      inFlight.push(
        (async () => {
          const result = await store.append(next.stream, next.events, 'no_stream');
          if (!result.ok) throw new Error(result.error.message);
          appended.push(performance.now() - scheduled);
          if (!(await projector.waitFor(result.value.position, 10_000))) late++;
          const productId = CATALOGUE_PRODUCTS + 1 + i;
          const row = await catalogue.selectFrom('products').select('id').where('id', '=', productId).executeTakeFirst();
          if (!row) throw new Error(`product ${productId} not in the catalogue after waitFor`);
          visible.push(performance.now() - scheduled);
        })(),
      );
    }
    await Promise.all(inFlight);
    const total = summarize(visible);
    context.log(`${backend}: append only: ${describeLatencies(summarize(appended))}`);
    context.log(`${backend}: append → visible: ${describeLatencies(total)}${late ? `; ${late} waits timed out` : ''}`);
    context.record({
      label: `append → visible, p99 at ${rywRate} writes/s, ${backend}`,
      value: total.p99,
      unit: 'ms',
      note: `p50 ${total.p50.toFixed(1)} ms, max ${total.max.toFixed(1)} ms, ${total.count} writes`,
      ...(backend === 'postgres' ? { target: { on: 'value', compare: '<', threshold: TARGET_P99_MS } } : {}),
    });
  } finally {
    await projector.stop();
    await store.close();
  }
}
