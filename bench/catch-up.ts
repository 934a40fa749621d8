import { createHash } from 'node:crypto';
import { openPostgresEventStore } from '@pz/ledger';
import { catalogueProjection, createProjector } from '@pz/projections';
import { appendAll, takeEvents } from './support/append-all';
import type { BenchContext, Benchmark } from './support/benchmark';
import { CatalogueGenerator, assertValid } from './support/catalogue-events';
import { describeServer, openScratchPglite, openScratchPostgres, withScratch, type ScratchDatabase } from './support/scratch-database';

const TARGET_EVENTS_PER_SECOND = 10_000;

/**
 * The catalogue projector catching up from position 0 on a log of realistic events (whole
 * product lives: files, table contents, column roles, edits, publication...), as after a
 * `rebuild` or a replay into a fresh database. The log is written first (8 writers, one
 * append per product); the figure is events in the log / seconds from `start()` until
 * `waitFor(last event)` resolves.
 */
export const benchmark: Benchmark = {
  name: 'catch-up',
  title: 'projector catch-up from 0 (catalogue projection)',
  async run(context) {
    await withScratch(openScratchPostgres(context.settings.databaseUrl), (scratch) => catchUp(context, scratch, context.settings.catchUpEvents));
    await withScratch(openScratchPglite(), (scratch) => catchUp(context, scratch, context.settings.catchUpPgliteEvents));
  },
};

async function catchUp(context: BenchContext, scratch: ScratchDatabase, events: number): Promise<void> {
  const { database, backend } = scratch;
  const count = (n: number) => n.toLocaleString('en-US');
  context.log(`${backend}: ${await describeServer(database)}`);
  const store = await openPostgresEventStore(database);
  try {
    const generator = new CatalogueGenerator(context.settings.seed);
    const lifeOf = (id: number) => generator.product(id, 'full');
    const head = [...generator.referenceData(), ...generator.userAppends((u) => createHash('sha256').update(u.tokenId).digest('hex'))];
    assertValid([...head, ...takeEvents(lifeOf, 1, { maxProducts: 500 })]);
    context.log(`${backend}: writing ${count(events)} events (8 writers, one append per product)...`);
    await appendAll(store, head, 1);
    const written = await appendAll(store, takeEvents(lifeOf, 1, { maxEvents: events }), 8, (n) => context.log(`${backend}:   ${count(n)} events written`));
    const total = written.events + head.reduce((n, a) => n + a.events.length, 0);
    context.log(`${backend}: wrote ${count(total)} events (${count(written.appends)} products) in ${written.seconds.toFixed(1)} s; catching up from 0...`);

    const projector = createProjector(database, store, [catalogueProjection], { onError: (error) => context.log(`projector error: ${String(error)}`) });
    const started = performance.now();
    await projector.start();
    const reached = await projector.waitFor(written.last, 60 * 60 * 1000);
    const seconds = (performance.now() - started) / 1000;
    await projector.stop();
    if (!reached) throw new Error(`${backend}: the projector did not reach the last event`);
    const products = await database.kysely.withTables<{ products: { id: number } }>().selectFrom('products').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    if (Number(products.n) !== written.appends) throw new Error(`${backend}: ${products.n} products projected, expected ${written.appends}`);
    context.record({
      label: `catch-up from 0 over ${count(total)} events, ${backend}`,
      value: total / seconds,
      unit: 'events/s',
      note: `${seconds.toFixed(1)} s`,
      ...(backend === 'postgres' ? { target: { on: 'value', compare: '>=', threshold: TARGET_EVENTS_PER_SECOND } } : {}),
    });
  } finally {
    await store.close();
  }
}
