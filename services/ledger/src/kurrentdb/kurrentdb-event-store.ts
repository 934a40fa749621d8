import { BACKWARDS, END, FORWARDS, KurrentDBClient, type ReadStreamOptions } from '@kurrent/kurrentdb-client';
import {
  GENESIS_HASH,
  START,
  comparePositions,
  err,
  ok,
  type AppendError,
  type AppendSuccess,
  type EventStore,
  type ExpectedRevision,
  type LogPosition,
  type NewEvent,
  type ReadAllOptions,
  type ReadAllPage,
  type RecordedEvent,
  type Result,
  type Subscription,
} from '@pz/contracts';
import { refuseMalformedAppend } from '../append-guard';
import { meetsExpectation, wrongExpectedRevision } from '../expected-revision';
import { eventHash } from '../hash-chain';
import { pollingPageSubscription, pollingSubscription } from '../polling-subscription';
import { isValidStreamName } from '../stream-names';
import { WakeSignal } from '../wake-signal';
import { chainEvents, findExisting, toEventData } from './append-plan';
import type { KurrentDbClientPort } from './client-port';
import { classifyClientError, laterOf, streamStateFor, toLogPosition, toReadPosition, toRecordedEvent } from './mapping';
import { streamNamespace, type StreamNamespace } from './namespace';
import { startWakeFeed, type WakeFeed } from './wake-feed';

const MAX_APPEND_ATTEMPTS = 20;

export interface KurrentDbEventStoreOptions {
  /**
   * Longest wait between a subscriber's reads when nothing rings its wake signal (appends in this
   * process and the server's live feed do), and the pause before the feed reconnects.
   */
  readonly pollIntervalMs?: number;
  /** Events per read of `$all`, and the default page size of `readAll`. */
  readonly batchSize?: number;
  /**
   * How many of a stream's latest events an append searches for its event ids (KurrentDB has no
   * index by event id). A retry of a command that is older than this many later events of its
   * stream is not recognised: with an exact expected revision it then fails as a conflict, with
   * `any` it would be appended again.
   */
  readonly idempotencyWindow?: number;
  /**
   * Tests only: isolates this store on a shared server that cannot be emptied (see
   * `streamNamespace`). Must be unused: the store reads `$all` only after the log's head at open.
   */
  readonly namespace?: string;
}

interface Context {
  readonly client: KurrentDbClientPort;
  readonly namespace: StreamNamespace;
  /** Nothing of this store lies at or before it: START, or the head of `$all` when a namespace was opened. */
  readonly floor: LogPosition;
  readonly batchSize: number;
  readonly idempotencyWindow: number;
}

/**
 * The event store on KurrentDB/EventStoreDB (`kurrentdb://…` or `esdb://…`). Streams, revisions,
 * event ids and positions are the server's own; the per-stream hash chain lives in each event's
 * metadata, computed from the stream's last event that the append read, and the append is pinned
 * to that revision so a concurrent writer cannot fork the chain.
 */
export async function openKurrentDbEventStore(connectionString: string, options: KurrentDbEventStoreOptions = {}): Promise<EventStore> {
  const client = KurrentDBClient.connectionString(connectionString);
  try {
    return await createKurrentDbEventStore(client, options);
  } catch (error) {
    await client.dispose();
    throw error;
  }
}

/** The adapter over any client with the KurrentDB client's API (the real one, or a test fake). */
export async function createKurrentDbEventStore(client: KurrentDbClientPort, options: KurrentDbEventStoreOptions = {}): Promise<EventStore> {
  const namespace = streamNamespace(options.namespace);
  // Reaches the server once, so a wrong URL fails at open rather than on the first command.
  const logHead = await newestPosition(client);
  const ctx: Context = {
    client,
    namespace,
    floor: namespace.prefix ? logHead : START,
    batchSize: Math.max(2, options.batchSize ?? 500),
    idempotencyWindow: Math.max(1, options.idempotencyWindow ?? 100),
  };
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const wake = new WakeSignal();
  const subscriptions = new Set<Subscription>();
  let feed: WakeFeed | null = null;
  const readAll = (o: ReadAllOptions) => readPage(ctx, o);
  const polling = { readAll, wake, pollIntervalMs, batchSize: ctx.batchSize };

  /** Subscribers share one live feed, started with the first of them. */
  const track = (subscription: Subscription): Subscription => {
    feed ??= startWakeFeed({ client, namespace, wake, retryDelayMs: pollIntervalMs });
    subscriptions.add(subscription);
    return {
      async close() {
        subscriptions.delete(subscription);
        await subscription.close();
      },
    };
  };

  return {
    kind: 'kurrentdb',
    async append(streamName, events, expected) {
      const result = await append(ctx, streamName, events, expected);
      if (result.ok && result.value.appended) wake.ring();
      return result;
    },
    async readStream(streamName, o = {}) {
      if (!isValidStreamName(streamName) || o.limit === 0) return [];
      const fromRevision = o.fromRevision !== undefined && o.fromRevision > 0n ? o.fromRevision : 0n;
      const read: ReadStreamOptions = { direction: FORWARDS, fromRevision, resolveLinkTos: false };
      if (o.limit !== undefined) read.maxCount = o.limit;
      return readStreamEvents(ctx, streamName, read);
    },
    readAll: (o = {}) => readAll(o),
    subscribeToAll: (o) => track(pollingSubscription(o, polling)),
    subscribeToAllPages: (o) => track(pollingPageSubscription(o, polling)),
    listStreams: () => listStreams(ctx),
    headPosition: () => headPosition(ctx),
    async close() {
      await Promise.all([...subscriptions].map((s) => s.close()));
      subscriptions.clear();
      await feed?.close();
      await client.dispose();
    },
  };
}

async function append(
  ctx: Context,
  streamName: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
): Promise<Result<AppendSuccess, AppendError>> {
  const malformed = refuseMalformedAppend(streamName, events);
  if (malformed) return err(malformed);

  let conflicted = false;
  for (let attempt = 1; ; attempt++) {
    // A retried command finds its own events (idempotent success) before any expectation is
    // checked, as in the postgres adapter; after a conflict, only `any` tries again.
    const { latestFirst, existing } = await inspectStream(ctx, streamName, events);
    if (existing) return existing;
    const head = latestFirst[0];
    const actual = head?.revision ?? -1n;
    if (!meetsExpectation(expected, actual) || (conflicted && (expected !== 'any' || attempt > MAX_APPEND_ATTEMPTS))) {
      return err(wrongExpectedRevision(streamName, expected, actual));
    }
    const chained = chainEvents(streamName, events, actual, head ? eventHash(head) : GENESIS_HASH);
    try {
      const result = await ctx.client.appendToStream(ctx.namespace.toServer(streamName), chained.map(toEventData), {
        streamState: streamStateFor(actual),
      });
      // `success: false` is the client's answer to a conflict when `throwOnAppendFailure=false`.
      if (result.success) {
        const position = await positionAt(ctx, streamName, result.nextExpectedRevision);
        return ok({ nextRevision: result.nextExpectedRevision, position, appended: true });
      }
    } catch (error) {
      if (classifyClientError(error) !== 'wrong_expected_version') throw error;
    }
    conflicted = true;
  }
}

/** The stream's latest events (newest first) and what they say about this append's event ids. */
async function inspectStream(ctx: Context, streamName: string, events: readonly NewEvent[]) {
  const latest: ReadStreamOptions = { direction: BACKWARDS, fromRevision: END, resolveLinkTos: false };
  let latestFirst = await readStreamEvents(ctx, streamName, { ...latest, maxCount: ctx.idempotencyWindow });
  let existing = findExisting(streamName, events, latestFirst);
  if (existing && !existing.ok && latestFirst.length >= ctx.idempotencyWindow) {
    // Only part of the batch was found, but the window may have cut off the rest of it.
    latestFirst = await readStreamEvents(ctx, streamName, latest);
    existing = findExisting(streamName, events, latestFirst);
  }
  return { latestFirst, existing };
}

/**
 * The position of an appended event as readers of `$all` see it. The append reply carries a
 * position too, but for a batch the server reports its commit, not necessarily the last event's
 * own position; reading the event back costs one round trip and removes the doubt (the API waits
 * for projections to reach this position).
 */
async function positionAt(ctx: Context, streamName: string, revision: bigint): Promise<LogPosition> {
  const [event] = await readStreamEvents(ctx, streamName, { direction: FORWARDS, fromRevision: revision, maxCount: 1 });
  if (!event || event.revision !== revision) throw new Error(`${streamName} has no revision ${revision} right after appending it`);
  return event.position;
}

async function readStreamEvents(ctx: Context, streamName: string, options: ReadStreamOptions): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  try {
    for await (const { event } of ctx.client.readStream(ctx.namespace.toServer(streamName), options)) {
      if (event) events.push(toRecordedEvent(event, streamName));
    }
  } catch (error) {
    if (classifyClientError(error) === 'stream_not_found') return [];
    throw error;
  }
  return events;
}

/**
 * A page of the ledger's events after `after` (exclusive). The server leaves out system events
 * (or, with a test namespace, other streams); the type filter is applied here, so that
 * `lastPosition` can move past ledger events of other types: it is the last event delivered when
 * the page is full, else the last ledger event examined, or `after`. It does not move past the
 * system events the server skipped: it then equals `headPosition()` once a reader has caught up,
 * and never passes an event the reader was not shown.
 */
async function readPage(ctx: Context, options: ReadAllOptions): Promise<ReadAllPage> {
  const after = options.after ?? START;
  const limit = options.limit ?? ctx.batchSize;
  if (limit <= 0) return { events: [], lastPosition: laterOf(after, await headPosition(ctx)) };
  const chunk = Math.max(2, Math.min(ctx.batchSize, limit + 1));
  const filter = ctx.namespace.scanFilter();
  const events: RecordedEvent[] = [];
  let lastLedgerEvent = after;
  let cursor = laterOf(after, ctx.floor);
  for (;;) {
    let read = 0;
    // A forward read of `$all` includes the event at `fromPosition`; it is skipped below.
    const batch = ctx.client.readAll({ fromPosition: toReadPosition(cursor), maxCount: chunk, direction: FORWARDS, filter, resolveLinkTos: false });
    for await (const { event } of batch) {
      read++;
      if (!event || comparePositions(event.position, cursor) <= 0) continue;
      cursor = toLogPosition(event.position);
      const streamName = ctx.namespace.ledgerStreamOf(event.streamId, event.type);
      if (streamName === null) continue;
      lastLedgerEvent = cursor;
      if (options.eventTypes && !options.eventTypes.includes(event.type)) continue;
      events.push(toRecordedEvent(event, streamName));
      if (events.length === limit) return { events, lastPosition: cursor };
    }
    if (read < chunk) return { events, lastPosition: lastLedgerEvent };
  }
}

/** The position of the newest ledger event, found by reading `$all` backwards (START when none). */
async function headPosition(ctx: Context): Promise<LogPosition> {
  const filter = ctx.namespace.scanFilter();
  let cursor: LogPosition | null = null;
  for (;;) {
    let read = 0;
    const fromPosition = cursor ? toReadPosition(cursor) : END;
    for await (const { event } of ctx.client.readAll({ fromPosition, maxCount: ctx.batchSize, direction: BACKWARDS, filter, resolveLinkTos: false })) {
      read++;
      if (!event || (cursor && comparePositions(event.position, cursor) >= 0)) continue;
      cursor = toLogPosition(event.position);
      if (comparePositions(cursor, ctx.floor) <= 0) return START;
      if (ctx.namespace.ledgerStreamOf(event.streamId, event.type) !== null) return cursor;
    }
    if (read < ctx.batchSize) return START;
  }
}

/**
 * Every ledger stream with at least one event, by scanning `$all` (system events filtered out on
 * the server). The `$streams` system stream would be cheaper but exists only when the server runs
 * its system projections, which it does not by default; `ledger verify` reads every event anyway.
 */
async function listStreams(ctx: Context): Promise<string[]> {
  const names = new Set<string>();
  const scan = ctx.client.readAll({ fromPosition: toReadPosition(ctx.floor), direction: FORWARDS, filter: ctx.namespace.scanFilter(), resolveLinkTos: false });
  for await (const { event } of scan) {
    const name = event ? ctx.namespace.ledgerStreamOf(event.streamId, event.type) : null;
    if (name !== null) names.add(name);
  }
  return [...names].sort();
}

/** The position of the newest event of any kind in `$all`; START for an empty log. */
async function newestPosition(client: KurrentDbClientPort): Promise<LogPosition> {
  for await (const { event } of client.readAll({ fromPosition: END, maxCount: 1, direction: BACKWARDS, resolveLinkTos: false })) {
    if (event) return toLogPosition(event.position);
  }
  return START;
}
