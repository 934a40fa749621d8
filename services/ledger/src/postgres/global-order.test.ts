import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { comparePositions, type EventStore, type RecordedEvent } from '@pz/contracts';
import { testBackends, type TestDatabase } from '@pz/database/testing';
import { testEvent } from '../event-store-contract';
import { openPostgresEventStore } from './postgres-event-store';

/**
 * A subscriber that checkpoints the last position it saw must never skip an event that a
 * concurrent transaction commits late with a lower sequence number. PGlite has a single
 * connection (transactions cannot interleave), so these run on the real server only.
 */
const server = testBackends().find((b) => b.name === 'postgres');
const url = process.env.DATABASE_URL;

describe.skipIf(!server || !url)('global order under concurrent, out-of-order commits (real PostgreSQL)', () => {
  let database: TestDatabase;
  let store: EventStore;
  const clients: pg.Client[] = [];

  const rawClient = async () => {
    const client = new pg.Client({ connectionString: url, options: `-c search_path=${database.schema}` });
    await client.connect();
    clients.push(client);
    return client;
  };
  const rawInsert = (client: pg.Client, streamName: string, revision: number, n: number) =>
    client.query(
      `INSERT INTO events (event_id, stream_name, stream_revision, event_type, schema_version, data, metadata, hash)
       VALUES ($1, $2, $3, 'Raw', 1, $4::jsonb, '{}'::jsonb, $5)`,
      [randomUUID(), streamName, revision, JSON.stringify({ n }), '0'.repeat(64)],
    );

  beforeEach(async () => {
    database = await (server as NonNullable<typeof server>).open();
    store = await openPostgresEventStore(database, { pollIntervalMs: 20 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
    await store.close();
    await database.drop();
  });

  it('delivers an event whose transaction took a lower position but committed after a later one', async () => {
    const seen: RecordedEvent[] = [];
    const sub = store.subscribeToAll({ onEvent: (e) => void seen.push(e) });

    const slow = await rawClient();
    await slow.query('BEGIN');
    await rawInsert(slow, 'order-slow', 0, 1); // takes the lower global_position, stays uncommitted
    const fast = await store.append('order-fast', [testEvent('Fast', {}, 2)], 'no_stream');
    expect(fast.ok).toBe(true);

    await new Promise((r) => setTimeout(r, 300)); // the subscriber polls several times meanwhile
    await slow.query('COMMIT');
    const deadline = Date.now() + 5000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sub.close();

    const positions = (await store.readAll({ limit: 10 })).events.map((e) => e.position.prepare);
    expect(positions.length).toBe(2);
    expect(seen.map((e) => e.streamName).sort()).toEqual(['order-fast', 'order-slow']);
  });

  it('loses and repeats nothing while 8 writers commit in random order under a live subscriber', async () => {
    const writers = 8;
    const perWriter = 25;
    const seen: RecordedEvent[] = [];
    const sub = store.subscribeToAll({ onEvent: (e) => void seen.push(e), limit: 7 });
    const work = [...Array(writers).keys()].map(async (w) => {
      const client = await rawClient();
      for (let i = 0; i < perWriter; i++) {
        await client.query('BEGIN');
        await rawInsert(client, `stress-${w}`, i, w * 1000 + i);
        await client.query('SELECT pg_sleep($1)', [Math.random() * 0.02]);
        await client.query('COMMIT');
      }
    });
    await Promise.all(work);
    const total = writers * perWriter;
    const deadline = Date.now() + 10_000;
    while (seen.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sub.close();

    const ids = seen.map((e) => e.id);
    for (let i = 1; i < seen.length; i++) {
      expect(comparePositions((seen[i - 1] as RecordedEvent).position, (seen[i] as RecordedEvent).position), `delivery ${i} goes backwards`).toBe(-1);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(total);
    for (let w = 0; w < writers; w++) {
      const revisions = seen.filter((e) => e.streamName === `stress-${w}`).map((e) => Number(e.revision));
      expect(revisions).toEqual([...Array(perWriter).keys()]);
    }
  });
});
