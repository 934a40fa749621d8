import { randomUUID } from 'node:crypto';
import {
  ANY,
  BACKWARDS,
  END,
  EVENT_TYPE,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamJSONRecordedEvent,
  type AllStreamResolvedEvent,
  type AppendResult,
  type AppendToStreamOptions,
  type EventData,
  type Filter,
  type JSONType,
  type MetadataType,
  type Position,
  type ReadAllOptions,
  type ReadPosition,
  type ReadStreamOptions,
  type ResolvedEvent,
  type SubscribeToAllOptions,
} from '@kurrent/kurrentdb-client';
import { WakeSignal } from '../wake-signal';
import type { KurrentDbClientPort, LiveSubscription } from './client-port';

export interface FakeKurrentDbOptions {
  /** Writes a system event (`$statsCollected` in `$stats-fake`) after every this many appends. */
  readonly systemEventEvery?: number;
}

/**
 * An in-memory stand-in for a KurrentDB server behind the client's API, for tests without a
 * server. It models what the adapter relies on, the way the server does it (see the report of
 * the adapter for which of these were checked against the server's source):
 * - one log whose positions grow; an event's position is the same whether read from its stream or
 *   from `$all` (commit = prepare = its own log position, as for the server's self-committed
 *   writes);
 * - a forward read of `$all` includes the event at `fromPosition`, a backward read excludes it,
 *   a subscription starts after it; filters by stream-name or event-type prefixes or regex;
 * - an append checks `streamState` and throws WrongExpectedVersionError; reading a missing stream
 *   throws StreamNotFoundError from the iteration;
 * - the append reply carries the batch's first position, so a test catches an adapter that
 *   trusts it for the last event's;
 * - the server's own system events appear in `$all`.
 */
export class FakeKurrentDbClient implements KurrentDbClientPort {
  private readonly log: AllStreamJSONRecordedEvent[] = [];
  private readonly changed = new WakeSignal();
  private readonly live = new Set<FakeSubscription>();
  private nextPosition = 1_000n;
  private appends = 0;

  constructor(private readonly options: FakeKurrentDbOptions = {}) {
    this.record('$stats-fake', '$statsCollected', { started: true }, undefined, randomUUID());
  }

  /** Every event in the log, system ones included, as stored. */
  get stored(): readonly AllStreamJSONRecordedEvent[] {
    return this.log;
  }

  get liveSubscriptions(): number {
    return this.live.size;
  }

  /** Writes an event that is not the ledger's (a system event, another app's, another namespace's). */
  writeOther(streamId: string, type: string): void {
    this.record(streamId, type, { other: true }, undefined, randomUUID());
  }

  /** Breaks every live subscription with this error, as a dropped connection would. */
  breakLiveSubscriptions(error: Error): void {
    for (const subscription of this.live) subscription.fail(error);
  }

  async appendToStream(streamName: string, events: EventData[], options: AppendToStreamOptions): Promise<AppendResult> {
    await roundTrip();
    const current = this.revisionOf(streamName);
    const state = options.streamState ?? ANY;
    const met = state === ANY || (state === NO_STREAM ? current < 0n : state === STREAM_EXISTS ? current >= 0n : state === current);
    if (!met) {
      throw new WrongExpectedVersionError(undefined, { streamName, expected: state, current: current < 0n ? NO_STREAM : current });
    }
    const positions = events.map((event, index) => {
      if (event.contentType !== 'application/json') throw new Error('the fake stores JSON events only');
      return this.record(streamName, event.type, event.data, event.metadata, event.id, current + 1n + BigInt(index));
    });
    this.appends++;
    if (this.options.systemEventEvery && this.appends % this.options.systemEventEvery === 0) {
      this.record('$stats-fake', '$statsCollected', { appends: this.appends }, undefined, randomUUID());
    }
    return { success: true, nextExpectedRevision: current + BigInt(events.length), position: positions[0] };
  }

  async *readStream(streamName: string, options: ReadStreamOptions): AsyncGenerator<ResolvedEvent> {
    await roundTrip();
    const events = this.log.filter((e) => e.streamId === streamName);
    if (events.length === 0) throw new StreamNotFoundError(undefined, streamName);
    const backwards = options.direction === BACKWARDS;
    const from = options.fromRevision ?? (backwards ? END : START);
    let selected = backwards ? [...events].reverse() : events;
    if (typeof from === 'bigint') selected = selected.filter((e) => (backwards ? e.revision <= from : e.revision >= from));
    else if (from !== (backwards ? END : START)) throw new Error('the fake reads streams forwards from the start or backwards from the end');
    for (const event of take(selected, options.maxCount)) yield { event };
  }

  async *readAll(options: ReadAllOptions): AsyncGenerator<AllStreamResolvedEvent> {
    await roundTrip();
    const backwards = options.direction === BACKWARDS;
    const from = options.fromPosition ?? (backwards ? END : START);
    let selected = backwards ? [...this.log].reverse() : [...this.log];
    if (typeof from === 'object') {
      selected = selected.filter((e) => (backwards ? compare(e.position, from) < 0 : compare(e.position, from) >= 0));
    } else if (from !== (backwards ? END : START)) {
      selected = [];
    }
    const filter = options.filter;
    if (filter) selected = selected.filter((e) => passes(filter, e));
    for (const event of take(selected, options.maxCount)) yield { event, commitPosition: event.position.commit };
  }

  subscribeToAll(options: SubscribeToAllOptions): LiveSubscription {
    const subscription = new FakeSubscription(this, this.startOf(options.fromPosition ?? START), options.filter, () => {
      this.live.delete(subscription);
    });
    this.live.add(subscription);
    return subscription;
  }

  async dispose(): Promise<void> {
    for (const subscription of this.live) subscription.destroy();
  }

  /** Events after `cursor` (all when null) that pass `filter`. */
  eventsAfter(cursor: Position | null, filter: Filter | undefined): AllStreamJSONRecordedEvent[] {
    return this.log.filter((e) => (cursor === null || compare(e.position, cursor) > 0) && (!filter || passes(filter, e)));
  }

  waitForChange(timeoutMs: number): { promise: Promise<void>; cancel: () => void } {
    return this.changed.wait(timeoutMs);
  }

  private startOf(from: ReadPosition): Position | null {
    if (from === START) return null;
    if (from === END) return this.log.at(-1)?.position ?? null;
    return from;
  }

  private revisionOf(streamName: string): bigint {
    let revision = -1n;
    for (const e of this.log) if (e.streamId === streamName) revision = e.revision;
    return revision;
  }

  private record(streamId: string, type: string, data: unknown, metadata: unknown, id: string, revision = this.revisionOf(streamId) + 1n): Position {
    const position = { commit: this.nextPosition, prepare: this.nextPosition };
    this.nextPosition += 137n;
    this.log.push({
      streamId,
      id: id.toLowerCase(),
      isJson: true,
      revision,
      type,
      created: new Date(),
      // As on the wire: the client sends JSON text and parses what it reads.
      data: JSON.parse(JSON.stringify(data)) as JSONType,
      metadata: metadata === undefined ? undefined : (JSON.parse(JSON.stringify(metadata)) as MetadataType),
      position,
    });
    this.changed.ring();
    return position;
  }
}

class FakeSubscription implements LiveSubscription {
  private ended = false;
  private failure: Error | null = null;
  private cancelWait: () => void = () => {};

  constructor(
    private readonly server: FakeKurrentDbClient,
    private cursor: Position | null,
    private readonly filter: Filter | undefined,
    private readonly onEnd: () => void,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<AllStreamResolvedEvent> {
    await roundTrip();
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.ended) return;
      const events = this.server.eventsAfter(this.cursor, this.filter);
      for (const event of events) {
        if (this.ended || this.failure) break;
        this.cursor = event.position;
        yield { event, commitPosition: event.position.commit };
      }
      if (events.length === 0) {
        const { promise, cancel } = this.server.waitForChange(1_000);
        this.cancelWait = cancel;
        await promise;
      }
    }
  }

  fail(error: Error): void {
    this.failure = error;
    this.cancelWait();
    this.onEnd();
  }

  async unsubscribe(): Promise<void> {
    this.end();
  }

  destroy(): this {
    this.end();
    return this;
  }

  on(): this {
    return this;
  }

  private end(): void {
    this.ended = true;
    this.cancelWait();
    this.onEnd();
  }
}

const roundTrip = () => new Promise<void>((resolve) => setImmediate(resolve));

function compare(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

function passes(filter: Filter, event: AllStreamJSONRecordedEvent): boolean {
  const subject = filter.filterOn === EVENT_TYPE ? event.type : event.streamId;
  return 'prefixes' in filter ? filter.prefixes.some((p) => subject.startsWith(p)) : new RegExp(filter.regex).test(subject);
}

function take<T>(items: readonly T[], maxCount: number | bigint | undefined): readonly T[] {
  return maxCount === undefined ? items : items.slice(0, Number(maxCount));
}
