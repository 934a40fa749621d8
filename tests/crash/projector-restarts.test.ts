import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { comparePositions, formatPosition, type EventStore } from '@pz/contracts';
import { soleLease, type Database } from '@pz/database';
import { testBackends, type TestDatabase } from '@pz/database/testing';
import { openPostgresEventStore } from '@pz/ledger';
import { catalogueProjection, createProjector } from '@pz/projections';
import { CatalogueGenerator, type StreamAppend } from '../../bench/support/catalogue-events';
import { catalogueCheckpoint, sleep, snapshotReadModel } from './crash-harness';

const RESTARTS = 100;
const PRODUCTS_PER_RESTART = 4;

/**
 * A handle on the same schema whose connections the test can cut from the server side: the
 * PostgreSQL equivalent of the process dying, since the transaction in flight is rolled back by
 * the server rather than ended by the projector.
 */
function killableHandle(url: string, schema: string): { database: Database; kill(): Promise<void> } {
  const pids = new Set<number>();
  const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}` });
  pool.on('connect', (client) => {
    const pid = (client as unknown as { processID: number | null }).processID;
    if (pid !== null) pids.add(pid);
    // A client cut while checked out reports it here; the transaction's own query fails with it too.
    client.on('error', () => {});
  });
  pool.on('error', () => {});
  const kysely = new Kysely<object>({ dialect: new PostgresDialect({ pool }) });
  const database: Database = { kind: 'postgres', kysely, schema, listen: async () => async () => {}, tryLease: soleLease, close: () => kysely.destroy() };
  return {
    database,
    async kill() {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [[...pids]]);
      } finally {
        await admin.end();
      }
    },
  };
}

/** "A projector restarted 100 times mid-stream ends identical to one that never stopped." */
for (const backend of testBackends()) {
  describe(`the catalogue projector restarted ${RESTARTS} times mid-stream (${backend.name})`, () => {
    let database: TestDatabase;
    let reference: TestDatabase;
    let store: EventStore;
    beforeEach(async () => {
      database = await backend.open();
      reference = await backend.open();
      store = await openPostgresEventStore(database, { pollIntervalMs: 20 });
    }, 600_000);
    afterEach(async () => {
      await store.close();
      await database.drop();
      await reference.drop();
    }, 600_000);

    it('ends identical to a projector that never stopped', async () => {
      const generator = new CatalogueGenerator(7, 40);
      const appendAll = async (appends: readonly StreamAppend[]) => {
        for (const a of appends) {
          const r = await store.append(a.stream, a.events, 'no_stream');
          if (!r.ok) throw new Error(r.error.message);
        }
      };
      await appendAll([...generator.referenceData(), ...generator.userAppends((u) => `${u.userId}`.padStart(64, '0'))]);

      const url = process.env.DATABASE_URL;
      let midStream = 0;
      let killed = 0;
      let nextProduct = 1;
      for (let i = 0; i < RESTARTS; i++) {
        // Fresh events before every start, so that each incarnation has a stream to be cut in.
        await appendAll([...Array(PRODUCTS_PER_RESTART).keys()].map(() => generator.product(nextProduct++, 'full')));
        const before = await catalogueCheckpoint(database);
        // On PostgreSQL every other incarnation dies with its connections cut mid-transaction; PGlite
        // lives in this process, so there it is stopped, whatever it is doing.
        const abrupt = backend.name === 'postgres' && url !== undefined && i % 2 === 1 ? killableHandle(url, database.schema) : null;
        const projector = createProjector(abrupt?.database ?? database, store, [catalogueProjection], { batchSize: 3 + Math.floor(Math.random() * 20), retryDelayMs: 5 });
        await projector.start();
        // Cut it once it has committed at least one page, at a random moment of the next ones.
        const deadline = Date.now() + 30_000;
        while (comparePositions(await catalogueCheckpoint(database), before) <= 0 && Date.now() < deadline) await sleep(2);
        await sleep(Math.random() * 8);
        if (abrupt) {
          await abrupt.kill();
          killed++;
          await projector.stop();
          await abrupt.database.close().catch(() => {});
        } else {
          await projector.stop();
        }
        const after = await catalogueCheckpoint(database);
        if (comparePositions(after, before) > 0 && comparePositions(after, await store.headPosition()) < 0) midStream++;
      }
      const head = await store.headPosition();

      const restarted = createProjector(database, store, [catalogueProjection]);
      await restarted.start();
      expect(await restarted.waitFor(head, 30_000)).toBe(true);
      await restarted.stop();

      const unbroken = createProjector(reference, store, [catalogueProjection]);
      await unbroken.start();
      expect(await unbroken.waitFor(head, 30_000)).toBe(true);
      await unbroken.stop();

      console.log(`projector restarts (${backend.name}): ${RESTARTS} restarts, ${midStream} mid-stream, ${killed} by cutting its connections; ${formatPosition(head)}`);
      expect(formatPosition(await catalogueCheckpoint(database))).toBe(formatPosition(await catalogueCheckpoint(reference)));
      const products = await sql<{ n: number }>`SELECT count(*)::int AS n FROM products`.execute(database.kysely);
      expect(products.rows[0]?.n).toBe(RESTARTS * PRODUCTS_PER_RESTART);
      expect(await snapshotReadModel(database)).toEqual(await snapshotReadModel(reference));
      // PGlite shares its one connection with the test's own checkpoint reads, which only get a turn
      // once the projector has drained the log: there the restarts land between catch-ups.
      if (backend.name === 'postgres') expect(midStream).toBeGreaterThanOrEqual(RESTARTS / 4);
    }, 600_000);
  });
}
