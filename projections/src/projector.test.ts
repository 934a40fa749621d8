import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type { EventStore, LogPosition, RecordedEvent } from '@pz/contracts';
import { testBackends, type TestDatabase } from '@pz/database/testing';
import { openPostgresEventStore } from '@pz/ledger/postgres/postgres-event-store';
import { testEvent } from '@pz/ledger/event-store-contract';
import { createProjector, type Projection } from './index';

/** Increments, not upserts of absolute values: applying an event twice would show. */
function countingProjection(options: { version?: number; failOnce?: (e: RecordedEvent) => boolean } = {}): Projection {
  let failed = false;
  return {
    name: 'counts',
    version: options.version ?? 1,
    eventTypes: ['Counted'],
    tables: ['counts'],
    migrations: {
      '0001': {
        async up(db) {
          await sql`CREATE TABLE counts (stream_name text PRIMARY KEY, events integer NOT NULL, total bigint NOT NULL)`.execute(db);
        },
      },
    },
    async apply(db: Kysely<object>, events) {
      for (const event of events) {
        const n = (event.data as { n: number }).n;
        await sql`INSERT INTO counts VALUES (${event.streamName}, 1, ${n})
          ON CONFLICT (stream_name) DO UPDATE SET events = counts.events + 1, total = counts.total + ${n}`.execute(db);
        if (!failed && options.failOnce?.(event)) {
          failed = true;
          throw new Error('simulated crash in the middle of a batch');
        }
      }
    },
  };
}

const readCounts = async (database: TestDatabase) =>
  (await sql<{ stream_name: string; events: number; total: string }>`SELECT stream_name, events, total::text FROM counts ORDER BY stream_name`.execute(database.kysely)).rows;

async function appendMany(store: EventStore, count: number): Promise<LogPosition> {
  let last: LogPosition | null = null;
  for (let i = 0; i < count; i += 10) {
    const r = await store.append(`thing-${i % 7}`, [...Array(10).keys()].map((j) => testEvent(j % 3 ? 'Counted' : 'Ignored', {}, i + j)), 'any');
    if (!r.ok) throw new Error(r.error.message);
    last = r.value.position;
  }
  if (!last) throw new Error('nothing appended');
  return last;
}

for (const backend of testBackends()) {
  describe(`projector (${backend.name})`, () => {
    let database: TestDatabase;
    let store: EventStore;
    beforeEach(async () => {
      database = await backend.open();
      store = await openPostgresEventStore(database, { pollIntervalMs: 20 });
    });
    afterEach(async () => {
      await store.close();
      await database.drop();
    });

    async function reference(): Promise<Awaited<ReturnType<typeof readCounts>>> {
      const events = (await store.readAll({ limit: 100_000 })).events.filter((e) => e.type === 'Counted');
      const byStream = new Map<string, { events: number; total: bigint }>();
      for (const e of events) {
        const row = byStream.get(e.streamName) ?? { events: 0, total: 0n };
        row.events++;
        row.total += BigInt((e.data as { n: number }).n);
        byStream.set(e.streamName, row);
      }
      return [...byStream.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([stream_name, r]) => ({ stream_name, events: r.events, total: r.total.toString() }));
    }

    it('catches up from 0 and makes a write visible to waitFor (read-your-writes)', async () => {
      await appendMany(store, 200);
      const projector = createProjector(database, store, [countingProjection()], { batchSize: 37 });
      await projector.start();
      const r = await store.append('thing-late', [testEvent('Counted', {}, 1000)], 'no_stream');
      if (!r.ok) throw new Error(r.error.message);
      expect(await projector.waitFor(r.value.position)).toBe(true);
      expect(await readCounts(database)).toEqual(await reference());
      expect((await readCounts(database)).find((c) => c.stream_name === 'thing-late')).toEqual({ stream_name: 'thing-late', events: 1, total: '1000' });
      await projector.stop();
    });

    it('rolls back a batch that fails midway and applies it exactly once on retry', async () => {
      const last = await appendMany(store, 300);
      const errors: unknown[] = [];
      const projector = createProjector(database, store, [countingProjection({ failOnce: (e) => (e.data as { n: number }).n === 151 })], {
        batchSize: 50,
        retryDelayMs: 10,
        onError: (e) => errors.push(e),
      });
      await projector.start();
      expect(await projector.waitFor(last, 15_000)).toBe(true);
      expect(errors).toHaveLength(1);
      expect(await readCounts(database)).toEqual(await reference());
      await projector.stop();
    });

    it('ends identical to an uninterrupted run after being stopped and restarted 25 times mid-stream', async () => {
      const writing = appendMany(store, 400);
      for (let i = 0; i < 25; i++) {
        const projector = createProjector(database, store, [countingProjection()], { batchSize: 7 });
        await projector.start();
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
        await projector.stop();
      }
      const last = await writing;
      const final = createProjector(database, store, [countingProjection()], { batchSize: 7 });
      await final.start();
      expect(await final.waitFor(last, 15_000)).toBe(true);
      await final.stop();
      expect(await readCounts(database)).toEqual(await reference());
    });

    it('rebuilds a read model from position 0, on demand and when its version changes', async () => {
      const last = await appendMany(store, 100);
      const projector = createProjector(database, store, [countingProjection()]);
      await projector.start();
      expect(await projector.waitFor(last)).toBe(true);
      await sql`UPDATE counts SET events = -1`.execute(database.kysely);
      await projector.rebuild('counts');
      expect(await projector.waitFor(last)).toBe(true);
      expect(await readCounts(database)).toEqual(await reference());
      await projector.stop();

      await sql`UPDATE counts SET events = -1`.execute(database.kysely);
      const upgraded = createProjector(database, store, [countingProjection({ version: 2 })]);
      await upgraded.start();
      expect(await upgraded.waitFor(last)).toBe(true);
      expect(await readCounts(database)).toEqual(await reference());
      await upgraded.stop();
    });
  });
}
