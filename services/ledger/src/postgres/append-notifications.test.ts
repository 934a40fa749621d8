import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore } from '@pz/contracts';
import { testBackends, type TestDatabase } from '@pz/database/testing';
import { testEvent } from '../event-store-contract';
import { EVENTS_CHANNEL, openPostgresEventStore } from './postgres-event-store';

/**
 * Appends wake other processes' subscribers with NOTIFY, coalesced and spaced while appends keep
 * coming. LISTEN exists only on the real server (PGlite's `listen` is a no-op), so this runs there.
 */
const server = testBackends().find((b) => b.name === 'postgres');

describe.skipIf(!server || !process.env.DATABASE_URL)('notifications after appends (real PostgreSQL)', () => {
  let database: TestDatabase;
  let store: EventStore;
  beforeEach(async () => {
    database = await (server as NonNullable<typeof server>).open();
    store = await openPostgresEventStore(database, { pollIntervalMs: 1000 });
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  it('sends at most one notification per 5 ms under a burst, and one after the burst ends', async () => {
    const received: number[] = [];
    const unlisten = await database.listen(EVENTS_CHANNEL, () => received.push(performance.now()));
    try {
      const started = performance.now();
      const writers = Array.from({ length: 8 }, async (_, writer) => {
        for (let i = 0; i < 40; i += 1) {
          const appended = await store.append(`burst-${writer}-${i}`, [testEvent('Burst', {}, i)], 'no_stream');
          expect(appended.ok).toBe(true);
        }
      });
      await Promise.all(writers);
      const lastAppend = performance.now();
      // The wake-up for the last appends comes after them, at most a spacing and a round trip later.
      for (let waited = 0; !received.some((t) => t >= lastAppend) && waited < 3000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      expect(received.some((t) => t >= lastAppend)).toBe(true);
      const span = (received.at(-1) ?? started) - started;
      expect(received.length).toBeGreaterThan(0);
      // A few of slack: deliveries can bunch while the test's own writers keep its event loop busy.
      expect(received.length).toBeLessThanOrEqual(Math.floor(span / 5) + 5);
    } finally {
      await unlisten();
    }
  });
});
