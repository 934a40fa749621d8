import type { EventMetadata, EventMetadataInput } from './event-metadata';
import type { Result } from './result';

/**
 * A position in the global log. It follows KurrentDB's model: `commit` orders transactions,
 * `prepare` orders events inside them. The PostgreSQL adapter stores commit = the writing
 * transaction's xid8 and prepare = the event's bigserial, and reads only committed, settled
 * transactions, so a subscriber that checkpoints a position never skips an event below it.
 */
export interface LogPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export const START: LogPosition = { commit: 0n, prepare: 0n };

export function comparePositions(a: LogPosition, b: LogPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** `"<commit>:<prepare>"`, the text form used in URLs, SSE ids and CLI output. */
export const formatPosition = (p: LogPosition): string => `${p.commit}:${p.prepare}`;

export function parsePosition(text: string): LogPosition | null {
  const m = /^(\d{1,20}):(\d{1,20})$/.exec(text.trim());
  if (!m || m[1] === undefined || m[2] === undefined) return null;
  return { commit: BigInt(m[1]), prepare: BigInt(m[2]) };
}

/** What the caller expects of a stream before appending: any state, absent, present, or an exact revision. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface NewEvent {
  /** Deterministic (UUIDv5 of command id + index) so that a retried command appends nothing new. */
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: EventMetadataInput;
}

export interface RecordedEvent {
  readonly id: string;
  readonly streamName: string;
  /** 0-based revision inside the stream. */
  readonly revision: bigint;
  readonly position: LogPosition;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  /** The event's hash as recorded at append time, where the store keeps it (postgres). */
  readonly recordedHash?: string;
}

export interface AppendSuccess {
  /** Revision of the stream after the append. */
  readonly nextRevision: bigint;
  /** Position of the last event appended (or found, for an idempotent retry). */
  readonly position: LogPosition;
  /** false when every event id was already in the stream: nothing new was written. */
  readonly appended: boolean;
}

export type LedgerErrorCode = 'WRONG_EXPECTED_REVISION' | 'DUPLICATE_EVENT_ID' | 'INVALID_STREAM_NAME' | 'EMPTY_APPEND';

export interface WrongExpectedRevision {
  readonly code: 'WRONG_EXPECTED_REVISION';
  readonly message: string;
  readonly streamName: string;
  readonly expected: ExpectedRevision;
  /** -1n when the stream does not exist. */
  readonly actual: bigint;
}

export interface OtherLedgerError {
  readonly code: Exclude<LedgerErrorCode, 'WRONG_EXPECTED_REVISION'>;
  readonly message: string;
  readonly streamName: string;
}

export type AppendError = WrongExpectedRevision | OtherLedgerError;

export interface ReadAllOptions {
  /** Exclusive lower bound. */
  readonly after?: LogPosition;
  readonly limit?: number;
  /** Only these event types (all when absent). Positions still advance past filtered events. */
  readonly eventTypes?: readonly string[];
}

export interface ReadAllPage {
  readonly events: readonly RecordedEvent[];
  /** The position to read after next: the last event examined, even if filtered out. */
  readonly lastPosition: LogPosition;
}

export interface Subscription {
  close(): Promise<void>;
}

export interface SubscribeOptions extends ReadAllOptions {
  /** Called for each event, in order; the next is delivered after the promise settles. */
  readonly onEvent: (event: RecordedEvent) => Promise<void> | void;
  readonly onError?: (error: unknown) => void;
}

export interface SubscribePagesOptions extends ReadAllOptions {
  /**
   * Called with each page of events, in order; the next page is read after the promise settles.
   * `page.lastPosition` moves past events the type filter left out, so a consumer that
   * checkpoints it does not re-read them.
   */
  readonly onPage: (page: ReadAllPage) => Promise<void> | void;
  readonly onError?: (error: unknown) => void;
}

/** The event-store port. Both adapters (postgres, kurrentdb) pass one contract suite. */
export interface EventStore {
  readonly kind: 'postgres' | 'kurrentdb';
  append(
    streamName: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<Result<AppendSuccess, AppendError>>;
  readStream(streamName: string, options?: { fromRevision?: bigint; limit?: number }): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<ReadAllPage>;
  /** Catch up from `after`, then follow live events; wakes on notification or poll. */
  subscribeToAll(options: SubscribeOptions): Subscription;
  /** The same, a page at a time: for consumers that apply a batch in one transaction (projectors). */
  subscribeToAllPages(options: SubscribePagesOptions): Subscription;
  /** Every stream name, for verification and audits. */
  listStreams(): Promise<string[]>;
  /** The position of the last settled event (START when empty). */
  headPosition(): Promise<LogPosition>;
  close(): Promise<void>;
}
