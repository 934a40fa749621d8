import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore, LogPosition } from '@pz/contracts';
import { leaseApplicationName, openDatabase, type Database } from '@pz/database';
import { dropSchema } from '@pz/database/testing';
import { openPostgresEventStore } from '@pz/ledger/postgres/postgres-event-store';
import { testEvent } from '@pz/ledger/event-store-contract';
import { ProjectorFenced, createProjector, type Projection, type Projector, type ProjectorOptions } from './index';

const url = process.env.DATABASE_URL;

/** Increments per event: an event applied twice, by two projectors, shows as a count of 2. */
const counting: Projection = {
  name: 'counts',
  version: 1,
  eventTypes: ['Counted'],
  tables: ['counts'],
  migrations: {
    '0001': {
      async up(db) {
        await sql`CREATE TABLE counts (event_id uuid PRIMARY KEY, applied integer NOT NULL)`.execute(db);
      },
    },
  },
  async apply(db: Kysely<object>, events) {
    for (const event of events) await sql`INSERT INTO counts VALUES (${event.id}, 1) ON CONFLICT (event_id) DO UPDATE SET applied = counts.applied + 1`.execute(db);
  },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(10);
  }
  return Date.now() - started;
}

/**
 * Several projectors on one schema, each with its own connections, as several processes would
 * have: one leads, the others follow; a paused former leader cannot write behind the new one.
 * Real PostgreSQL only (PGlite is one process by construction).
 */
describe.runIf(url)('projector leadership and fencing across processes (postgres)', () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const handles: Database[] = [];
  const projectors: Projector[] = [];
  let store: EventStore;

  const open = async () => {
    const database = await openDatabase({ url, schema, poolSize: 3 });
    handles.push(database);
    return database;
  };
  const projector = async (options: ProjectorOptions = {}) => {
    const p = createProjector(await open(), store, [counting], { batchSize: 20, followIntervalMs: 100, retryDelayMs: 50, ...options });
    projectors.push(p);
    await p.start();
    return p;
  };
  const append = async (n: number): Promise<LogPosition> => {
    let last: LogPosition | null = null;
    for (let i = 0; i < n; i += 10) {
      const r = await store.append(`thing-${i % 5}`, [...Array(10).keys()].map((j) => testEvent('Counted', {}, i + j)), 'any');
      if (!r.ok) throw new Error(r.error.message);
      last = r.value.position;
    }
    if (!last) throw new Error('nothing appended');
    return last;
  };
  /** Every Counted event of the log applied exactly once: the read model equals a replay. */
  const expectAppliedOnce = async () => {
    const events = (await store.readAll({ limit: 100_000 })).events.filter((e) => e.type === 'Counted');
    const rows = (await sql<{ event_id: string; applied: number }>`SELECT event_id, applied FROM counts`.execute((handles[0] as Database).kysely)).rows;
    expect(rows.filter((r) => r.applied !== 1)).toEqual([]);
    expect(rows.map((r) => r.event_id).sort()).toEqual(events.map((e) => e.id).sort());
  };
  /** Cuts the leader's lease connection from the server side, as a crash or a partition would. */
  const cutLease = async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // Only the connection that holds the lock: the followers' candidate connections carry the same name.
      await admin.query(
        "SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'advisory' AND l.granted WHERE a.application_name = $1",
        [leaseApplicationName(schema, 'projector:counts')],
      );
    } finally {
      await admin.end();
    }
  };

  beforeEach(async () => {
    store = await openPostgresEventStore(await open(), { pollIntervalMs: 20 });
  });
  afterEach(async () => {
    for (const p of projectors.splice(0)) await p.stop();
    await store.close();
    for (const h of handles.splice(0)) await h.close();
    await dropSchema(url as string, schema);
  });

  it('three projectors on one schema: one leads at any time, each event is applied once, the followers see the same position', async () => {
    await append(100);
    const errors: unknown[] = [];
    const all = [await projector({ onError: (e) => errors.push(e) }), await projector({ onError: (e) => errors.push(e) }), await projector({ onError: (e) => errors.push(e) })];
    let mostLeaders = 0;
    const watch = setInterval(() => (mostLeaders = Math.max(mostLeaders, all.filter((p) => p.status().role === 'leader').length)), 2);
    const last = await append(200);
    for (const p of all) expect(await p.waitFor(last, 10_000)).toBe(true);
    clearInterval(watch);
    expect(mostLeaders).toBe(1);
    // Leadership keeps them apart: fencing never had to refuse a page.
    expect(errors).toEqual([]);
    expect(all.map((p) => p.status().position)).toEqual(all.map(() => last));
    await expectAppliedOnce();
  });

  it('a leader that dies is replaced within a few seconds, and nothing is skipped or applied twice', async () => {
    const first = await projector();
    const second = await projector();
    expect([first.status().role, second.status().role]).toEqual(['leader', 'follower']);
    const writing = append(300);
    // The leader's process dies: its lease connection is cut and it never asks for the lease again.
    await cutLease();
    await first.stop();
    const failover = await until(() => second.status().role === 'leader', 5000);
    expect(failover).toBeLessThan(3000);
    const last = await writing;
    expect(await second.waitFor(last, 10_000)).toBe(true);
    await expectAppliedOnce();
  });

  it('a paused former leader wakes up after another took over: its page is refused and it steps down', async () => {
    let hold = false;
    let held: () => void = () => {};
    const resumed = new Promise<void>((resolve) => (held = resolve));
    let paused = false;
    const errors: unknown[] = [];
    const old = await projector({
      onError: (e) => errors.push(e),
      beforePage: async (page) => {
        if (!hold || page.events.length === 0) return;
        paused = true;
        await resumed;
      },
    });
    expect(old.status().role).toBe('leader');
    const before = await append(40);
    expect(await old.waitFor(before, 10_000)).toBe(true);
    hold = true;
    const last = await append(60);
    await until(() => paused, 5000);
    // The pause outlasts the lease: the old leader's lease connection is cut, the lock falls free.
    await cutLease();
    const next = await projector();
    await until(() => next.status().role === 'leader', 5000);
    expect(await next.waitFor(last, 10_000)).toBe(true);
    held();
    await until(() => errors.some((e) => e instanceof ProjectorFenced), 5000);
    expect(old.status().role).toBe('follower');
    await expectAppliedOnce();
    // Still following: it sees what the new leader writes.
    const later = await append(10);
    expect(await old.waitFor(later, 10_000)).toBe(true);
    await expectAppliedOnce();
  });
});
