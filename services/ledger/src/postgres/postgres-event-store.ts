import { setTimeout as delay } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import {
  START,
  comparePositions,
  err,
  ok,
  type AppendError,
  type AppendSuccess,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type LogPosition,
  type NewEvent,
  type ReadAllOptions,
  type ReadAllPage,
  type RecordedEvent,
  type Result,
  GENESIS_HASH,
} from '@pz/contracts';
import { migrate, toBigInt, type Database } from '@pz/database';
import { eventHash } from '../hash-chain';
import { refuseMalformedAppend } from '../append-guard';
import { meetsExpectation, wrongExpectedRevision } from '../expected-revision';
import { pollingPageSubscription, pollingSubscription } from '../polling-subscription';
import { WakeSignal } from '../wake-signal';
import { ledgerMigrations, type LedgerTables } from './schema';

export const EVENTS_CHANNEL = 'pz_events';
/** The shortest gap between two notifications while appends keep coming (see `notifier`). */
const NOTIFY_SPACING_MS = 5;
const MAX_APPEND_ATTEMPTS = 20;
const STREAM_HEADS_KEPT = 10_000;

export interface PostgresEventStoreOptions {
  readonly pollIntervalMs?: number;
  readonly batchSize?: number;
}

type Row = {
  global_position: string;
  transaction_id: string;
  event_id: string;
  stream_name: string;
  stream_revision: string;
  event_type: string;
  data: unknown;
  metadata: unknown;
  hash: string;
};

/**
 * The event store on PostgreSQL (a real server or PGlite): an append-only `events` table,
 * per-stream revisions guarded by a unique constraint, a per-stream hash chain, and a global
 * order readers can trust (see `readSettledPage`).
 */
export async function openPostgresEventStore(database: Database, options: PostgresEventStoreOptions = {}): Promise<EventStore> {
  await migrate(database, 'ledger', ledgerMigrations);
  const db = database.kysely.withTables<LedgerTables>();
  const wake = new WakeSignal();
  const unlisten = await database.listen(EVENTS_CHANNEL, () => wake.ring());
  const pollIntervalMs = options.pollIntervalMs ?? (database.kind === 'pglite' ? 250 : 500);
  const batchSize = options.batchSize ?? 500;

  const readAll = (o: ReadAllOptions = {}) => readSettledPage(db, o);
  const heads = new StreamHeads();
  // On PGlite every reader lives in this process and is woken by `wake`.
  const others = database.kind === 'postgres' ? notifier(db) : null;

  return {
    kind: 'postgres',
    async append(streamName, events, expected) {
      const result = await appendWithRetry(db, heads, streamName, events, expected);
      if (result.ok && result.value.appended) {
        wake.ring();
        others?.notify();
      }
      return result;
    },
    async readStream(streamName, o = {}) {
      let q = db
        .selectFrom('events')
        .select(COLUMNS)
        .where('stream_name', '=', streamName)
        .where('stream_revision', '>=', String(o.fromRevision ?? 0n))
        .orderBy('events.stream_revision');
      if (o.limit !== undefined) q = q.limit(o.limit);
      const rows = await q.execute();
      const last = rows.at(-1);
      if (last && o.limit === undefined) heads.remember(streamName, { revision: toBigInt(last.stream_revision), hash: last.hash });
      return rows.map(toRecorded);
    },
    readAll,
    subscribeToAll(o) {
      return pollingSubscription(o, { readAll, wake, pollIntervalMs, batchSize });
    },
    subscribeToAllPages(o) {
      return pollingPageSubscription(o, { readAll, wake, pollIntervalMs, batchSize });
    },
    async listStreams() {
      const rows = await db.selectFrom('events').select('stream_name').distinct().orderBy('stream_name').execute();
      return rows.map((r) => r.stream_name);
    },
    async headPosition() {
      return (await readAll({ limit: 0 })).lastPosition;
    },
    async close() {
      await others?.drain();
      await unlisten();
    },
  };
}

/**
 * int8/xid8 columns are read as text (exact in JS); their aliases shadow the columns, so every
 * ORDER BY names the table (`events.x`) to sort by the number, not by the text.
 */
const COLUMNS = [
  sql<string>`global_position::text`.as('global_position'),
  sql<string>`transaction_id::text`.as('transaction_id'),
  sql<string>`event_id::text`.as('event_id'),
  'stream_name',
  sql<string>`stream_revision::text`.as('stream_revision'),
  'event_type',
  'data',
  'metadata',
  'hash',
] as const;

function toRecorded(row: Row): RecordedEvent {
  return {
    id: row.event_id,
    streamName: row.stream_name,
    revision: toBigInt(row.stream_revision),
    position: { commit: toBigInt(row.transaction_id), prepare: toBigInt(row.global_position) },
    type: row.event_type,
    data: row.data,
    metadata: row.metadata as EventMetadata,
    recordedHash: row.hash,
  };
}

interface StreamHead {
  readonly revision: bigint;
  readonly hash: string;
}

/**
 * The last revision and hash of streams this process wrote or read to the end lately (least
 * recently used dropped first). An append at an exact revision needs both, to check the
 * expectation and to chain the hash; knowing them saves a read, and the command bus always
 * reads a stream before it appends to it. An entry can be stale but never wrong: events never
 * change, so revision r's hash is forever, and if the stream moved past r the INSERT at r+1
 * collides on the unique (stream, revision) and the slow path reads the truth.
 */
class StreamHeads {
  private readonly heads = new Map<string, StreamHead>();

  remember(streamName: string, head: StreamHead): void {
    this.heads.delete(streamName);
    this.heads.set(streamName, head);
    if (this.heads.size > STREAM_HEADS_KEPT) this.heads.delete(this.heads.keys().next().value as string);
  }

  /** The head if it is the one expected, else undefined (read it). */
  at(streamName: string, revision: bigint): StreamHead | undefined {
    const head = this.heads.get(streamName);
    return head?.revision === revision ? head : undefined;
  }

  forget(streamName: string): void {
    this.heads.delete(streamName);
  }
}

async function appendWithRetry(
  db: Kysely<LedgerTables>,
  heads: StreamHeads,
  streamName: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
): Promise<Result<AppendSuccess, AppendError>> {
  const malformed = refuseMalformedAppend(streamName, events);
  if (malformed) return err(malformed);
  for (let attempt = 1; ; attempt++) {
    try {
      return await appendOnce(db, heads, streamName, events, expected);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      heads.forget(streamName);
      // A concurrent writer took the same revision, or these event ids are already recorded. A
      // retried command finds its own events (idempotent success); an exact expectation is now
      // a conflict; `any` retries.
      const again = await findExisting(db, streamName, events);
      if (again) return again;
      const actual = await lastRevision(db, streamName);
      if (expected !== 'any' || attempt >= MAX_APPEND_ATTEMPTS) {
        return err(wrongExpectedRevision(streamName, expected, actual));
      }
    }
  }
}

/**
 * One attempt, in at most two statements and no explicit transaction: read the stream's head
 * (not needed for a new stream, revision 0 after the genesis hash, nor for an exact revision
 * whose head this process knows), then one multi-row INSERT.
 * The unique (stream_name, stream_revision) constraint makes this safe without a transaction:
 * if another writer moved the head after we read it, our INSERT collides and the caller sorts
 * it out; if it succeeds, the head we chained to is still the head (events never change).
 * Idempotency costs nothing on the common path: a retried command either misses its
 * expectation (its events moved the head) or collides on its event ids, and both paths look
 * for its events before answering.
 */
async function appendOnce(
  db: Kysely<LedgerTables>,
  heads: StreamHeads,
  streamName: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
): Promise<Result<AppendSuccess, AppendError>> {
  const head = expected === 'no_stream' ? undefined : ((typeof expected === 'bigint' ? heads.at(streamName, expected) : undefined) ?? (await readHead(db, streamName)));
  const actual = head ? head.revision : -1n;
  if (!meetsExpectation(expected, actual)) {
    return (await findExisting(db, streamName, events)) ?? err(wrongExpectedRevision(streamName, expected, actual));
  }

  let previousHash = head?.hash ?? GENESIS_HASH;
  const rows = events.map((event, index) => {
    const revision = actual + 1n + BigInt(index);
    const metadata: EventMetadata = { ...event.metadata, schemaVersion: event.schemaVersion, previousEventHash: previousHash };
    const hash = eventHash({ id: event.id, streamName, revision, type: event.type, data: event.data, metadata });
    previousHash = hash;
    return {
      event_id: event.id,
      stream_name: streamName,
      stream_revision: revision.toString(),
      event_type: event.type,
      schema_version: event.schemaVersion,
      data: sql`cast(${JSON.stringify(event.data)} as jsonb)`,
      metadata: sql`cast(${JSON.stringify(metadata)} as jsonb)`,
      hash,
    };
  });
  const inserted = await db
    .insertInto('events')
    .values(rows)
    .returning([sql<string>`transaction_id::text`.as('transaction_id'), sql<string>`global_position::text`.as('global_position')])
    .execute();
  const last = inserted.reduce<LogPosition>((max, r) => {
    const p = { commit: toBigInt(r.transaction_id), prepare: toBigInt(r.global_position) };
    return comparePositions(p, max) > 0 ? p : max;
  }, START);
  const nextRevision = actual + BigInt(events.length);
  heads.remember(streamName, { revision: nextRevision, hash: previousHash });
  return ok({ nextRevision, position: last, appended: true });
}

async function readHead(db: Kysely<LedgerTables>, streamName: string): Promise<StreamHead | undefined> {
  const row = await db
    .selectFrom('events')
    .select([sql<string>`stream_revision::text`.as('revision'), 'hash'])
    .where('stream_name', '=', streamName)
    .orderBy('events.stream_revision', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { revision: toBigInt(row.revision), hash: row.hash } : undefined;
}

/**
 * Wakes subscribers in other processes after appends have committed. A NOTIFY inside the
 * appending transaction would take PostgreSQL's global notify lock through that commit,
 * serialising every concurrent writer's WAL flush (8 writers ran slower than 1). Sent after
 * commit instead, and coalesced (one in flight, one more queued), since a notification is
 * only a wake-up: a lost one costs a poll interval of latency, never an event. Under a steady
 * stream of appends the queued one waits NOTIFY_SPACING_MS: back to back, the notifications
 * were one statement for every two or three appends. The first after a pause goes at once.
 */
function notifier(db: Kysely<LedgerTables>): { notify(): void; drain(): Promise<void> } {
  let inFlight: Promise<void> | null = null;
  let queued = false;
  const send = (): Promise<void> =>
    sql`SELECT pg_notify(${EVENTS_CHANNEL}, '')`
      .execute(db)
      .then(
        () => {},
        () => {},
      )
      .then(() => (queued ? delay(NOTIFY_SPACING_MS) : undefined))
      .then(() => {
        inFlight = queued ? send() : null;
        queued = false;
      });
  return {
    notify() {
      if (inFlight) queued = true;
      else inFlight = send();
    },
    async drain() {
      while (inFlight) await inFlight;
    },
  };
}

/** The events of this append already in the log: a retried command. Partial overlap is an error. */
async function findExisting(
  db: Kysely<LedgerTables>,
  streamName: string,
  events: readonly NewEvent[],
): Promise<Result<AppendSuccess, AppendError> | null> {
  const ids = events.map((e) => e.id);
  const found = await db
    .selectFrom('events')
    .select([
      sql<string>`event_id::text`.as('event_id'),
      'stream_name',
      sql<string>`stream_revision::text`.as('stream_revision'),
      sql<string>`transaction_id::text`.as('transaction_id'),
      sql<string>`global_position::text`.as('global_position'),
    ])
    .where(sql<boolean>`event_id = ANY(${sql.val(ids)}::uuid[])`)
    .execute();
  if (found.length === 0) return null;
  if (found.length !== ids.length || found.some((r) => r.stream_name !== streamName)) {
    return err({
      code: 'DUPLICATE_EVENT_ID',
      message: `some of these event ids are already recorded${found[0] ? ` (e.g. ${found[0].event_id} in ${found[0].stream_name})` : ''}`,
      streamName,
    });
  }
  const last = found.reduce((a, b) => (toBigInt(a.stream_revision) > toBigInt(b.stream_revision) ? a : b));
  return ok({
    nextRevision: await lastRevision(db, streamName),
    position: { commit: toBigInt(last.transaction_id), prepare: toBigInt(last.global_position) },
    appended: false,
  });
}

async function lastRevision(db: Kysely<LedgerTables>, streamName: string): Promise<bigint> {
  const row = await db
    .selectFrom('events')
    .select(sql<string | null>`max(stream_revision)::text`.as('revision'))
    .where('stream_name', '=', streamName)
    .executeTakeFirst();
  return row?.revision ? toBigInt(row.revision) : -1n;
}

/**
 * One page of the global log after `after`, in (transaction_id, global_position) order, holding
 * only events of transactions older than every transaction still in flight
 * (`pg_snapshot_xmin(pg_current_snapshot())`). Such events can no longer be joined by a commit
 * that sorts below them, so a reader that checkpoints the last position it saw skips nothing.
 * The page and the head it reports come from one REPEATABLE READ snapshot, so "no more events"
 * and "the head" agree.
 */
async function readSettledPage(db: Kysely<LedgerTables>, options: ReadAllOptions): Promise<ReadAllPage> {
  const after = options.after ?? START;
  const limit = options.limit ?? 500;
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      // Pages come from an index in log order. With statistics that lag the log (a log just
      // written or restored, not yet analysed) the planner would rather collect every remaining
      // event and sort them for each page, which makes a catch-up quadratic (100,000 events:
      // 7 s of reads instead of 0.7 s). Forbidding the sort leaves the ordered index scans.
      await sql`SET LOCAL enable_sort = off`.execute(trx);
      const settled = sql<boolean>`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;
      const afterPosition = sql<boolean>`(transaction_id, global_position) > (${after.commit.toString()}::xid8, ${after.prepare.toString()}::bigint)`;
      let events: RecordedEvent[] = [];
      if (limit > 0) {
        let q = trx.selectFrom('events').select(COLUMNS).where(afterPosition).where(settled);
        if (options.eventTypes) q = q.where('event_type', 'in', options.eventTypes.length ? [...options.eventTypes] : ['']);
        const rows = await q.orderBy('events.transaction_id').orderBy('events.global_position').limit(limit).execute();
        events = rows.map(toRecorded);
      }
      const lastEvent = events.at(-1);
      if (lastEvent && events.length === limit) return { events, lastPosition: lastEvent.position };
      const head = await trx
        .selectFrom('events')
        .select([sql<string>`transaction_id::text`.as('transaction_id'), sql<string>`global_position::text`.as('global_position')])
        .where(settled)
        .orderBy('events.transaction_id', 'desc')
        .orderBy('events.global_position', 'desc')
        .limit(1)
        .executeTakeFirst();
      const headPosition = head ? { commit: toBigInt(head.transaction_id), prepare: toBigInt(head.global_position) } : START;
      return { events, lastPosition: comparePositions(headPosition, after) > 0 ? headPosition : after };
    });
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === '23505';
}
