import { sql, type Kysely, type Transaction } from 'kysely';
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
import { meetsExpectation, wrongExpectedRevision } from '../expected-revision';
import { pollingPageSubscription, pollingSubscription } from '../polling-subscription';
import { isValidStreamName } from '../stream-names';
import { WakeSignal } from '../wake-signal';
import { ledgerMigrations, type LedgerTables } from './schema';

export const EVENTS_CHANNEL = 'pz_events';
const MAX_APPEND_ATTEMPTS = 20;

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

  return {
    kind: 'postgres',
    async append(streamName, events, expected) {
      const result = await appendWithRetry(db, streamName, events, expected);
      if (result.ok && result.value.appended) wake.ring();
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
      return (await q.execute()).map(toRecorded);
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

async function appendWithRetry(
  db: Kysely<LedgerTables>,
  streamName: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
): Promise<Result<AppendSuccess, AppendError>> {
  if (!isValidStreamName(streamName)) {
    return err({ code: 'INVALID_STREAM_NAME', message: `invalid stream name "${streamName}": expected <category>-<id>`, streamName });
  }
  if (events.length === 0) return err({ code: 'EMPTY_APPEND', message: `nothing to append to ${streamName}`, streamName });
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute((trx) => appendOnce(trx, streamName, events, expected));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // A concurrent writer took the same revision or event id. A retried command finds its
      // own events (idempotent success); an exact expectation is now a conflict; `any` retries.
      const again = await findExisting(db, streamName, events);
      if (again) return again;
      const actual = await lastRevision(db, streamName);
      if (expected !== 'any' || attempt >= MAX_APPEND_ATTEMPTS) {
        return err(wrongExpectedRevision(streamName, expected, actual));
      }
    }
  }
}

async function appendOnce(
  trx: Transaction<LedgerTables>,
  streamName: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
): Promise<Result<AppendSuccess, AppendError>> {
  const existing = await findExisting(trx, streamName, events);
  if (existing) return existing;

  const head = await trx
    .selectFrom('events')
    .select([sql<string>`stream_revision::text`.as('revision'), 'hash'])
    .where('stream_name', '=', streamName)
    .orderBy('events.stream_revision', 'desc')
    .limit(1)
    .executeTakeFirst();
  const actual = head ? toBigInt(head.revision) : -1n;
  if (!meetsExpectation(expected, actual)) return err(wrongExpectedRevision(streamName, expected, actual));

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
  const inserted = await trx
    .insertInto('events')
    .values(rows)
    .returning([sql<string>`transaction_id::text`.as('transaction_id'), sql<string>`global_position::text`.as('global_position')])
    .execute();
  // Delivered at commit, to listeners in every process: a wake-up, not data.
  await sql`SELECT pg_notify(${EVENTS_CHANNEL}, '')`.execute(trx);
  const last = inserted.reduce<LogPosition>((max, r) => {
    const p = { commit: toBigInt(r.transaction_id), prepare: toBigInt(r.global_position) };
    return comparePositions(p, max) > 0 ? p : max;
  }, START);
  return ok({ nextRevision: actual + BigInt(events.length), position: last, appended: true });
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
