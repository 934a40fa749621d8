import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { EventStore } from '@pz/contracts';
import { testBackends, type TestDatabase } from '@pz/database/testing';
import { testEvent } from '../event-store-contract';
import { eventHash } from '../hash-chain';
import { verifyLedger } from '../verify-ledger';
import { openPostgresEventStore } from './postgres-event-store';

/** Tampering straight in the table, as someone with database access could, must be detected. */
for (const backend of testBackends()) {
  describe(`ledger verify detects tampering (${backend.name})`, () => {
    let database: TestDatabase;
    let store: EventStore;
    const exec = (query: ReturnType<typeof sql>) => query.execute(database.kysely);

    beforeEach(async () => {
      database = await backend.open();
      store = await openPostgresEventStore(database);
      await store.append('product-1', [0, 1, 2, 3].map((n) => testEvent('ProductEdited', { title: `v${n}` }, n)), 'no_stream');
      await store.append('product-2', [testEvent('ProductEdited', { title: 'other' })], 'no_stream');
      expect((await verifyLedger(store)).ok).toBe(true);
    });
    afterEach(async () => {
      await store.close();
      await database.drop();
    });

    it('an edited event', async () => {
      await exec(sql`UPDATE events SET data = '{"title":"forged","n":1}'::jsonb WHERE stream_name = 'product-1' AND stream_revision = 1`);
      const report = await verifyLedger(store);
      expect(report.ok).toBe(false);
      expect(report.problems).toEqual([expect.objectContaining({ streamName: 'product-1', revision: 1n, kind: 'recorded_hash_mismatch' })]);
    });

    it('an edited event whose recorded hash was recomputed to match', async () => {
      const [, second] = await store.readStream('product-1');
      if (!second) throw new Error('fixture missing');
      const forged = { ...second, data: { title: 'forged', n: 1 } };
      await exec(sql`UPDATE events SET data = '{"title":"forged","n":1}'::jsonb, hash = ${eventHash(forged)} WHERE stream_name = 'product-1' AND stream_revision = 1`);
      const report = await verifyLedger(store);
      expect(report.problems).toEqual([expect.objectContaining({ revision: 2n, kind: 'broken_link' })]);
    });

    it('reordered events', async () => {
      await exec(sql`UPDATE events SET stream_revision = stream_revision + 100 WHERE stream_name = 'product-1' AND stream_revision IN (1, 2)`);
      await exec(sql`UPDATE events SET stream_revision = 2 WHERE stream_name = 'product-1' AND stream_revision = 101`);
      await exec(sql`UPDATE events SET stream_revision = 1 WHERE stream_name = 'product-1' AND stream_revision = 102`);
      const report = await verifyLedger(store);
      expect(report.problems).toEqual([expect.objectContaining({ streamName: 'product-1', revision: 1n, kind: 'broken_link' })]);
    });

    it('a deleted event', async () => {
      await exec(sql`DELETE FROM events WHERE stream_name = 'product-1' AND stream_revision = 2`);
      const report = await verifyLedger(store);
      expect(report.problems).toEqual([expect.objectContaining({ streamName: 'product-1', revision: 3n, kind: 'revision_gap' })]);
    });

    it('a deleted event with the later revisions renumbered to close the gap', async () => {
      await exec(sql`DELETE FROM events WHERE stream_name = 'product-1' AND stream_revision = 1`);
      await exec(sql`UPDATE events SET stream_revision = stream_revision - 1 WHERE stream_name = 'product-1' AND stream_revision > 1`);
      const report = await verifyLedger(store);
      expect(report.ok).toBe(false);
      expect(report.problems[0]).toMatchObject({ streamName: 'product-1', revision: 1n });
    });
  });
}
