import {
  ErrorType,
  NO_STREAM,
  START as CLIENT_START,
  type AppendStreamState,
  type Position,
  type ReadPosition,
} from '@kurrent/kurrentdb-client';
import { START, comparePositions, type EventMetadata, type LogPosition, type RecordedEvent } from '@pz/contracts';

/** KurrentDB's `{commit, prepare}` is the port's LogPosition, field for field. */
export const toLogPosition = (position: Position): LogPosition => ({ commit: position.commit, prepare: position.prepare });

/** Where to start a read or subscription: the port's START is the client's `"start"`, not a literal 0/0. */
export const toReadPosition = (position: LogPosition): ReadPosition =>
  comparePositions(position, START) === 0 ? CLIENT_START : { commit: position.commit, prepare: position.prepare };

export const laterOf = (a: LogPosition, b: LogPosition): LogPosition => (comparePositions(a, b) >= 0 ? a : b);

/**
 * The `streamState` of an append: the exact revision the adapter read (or no stream), whatever
 * the caller expected. The caller's expectation is checked against that read first; pinning the
 * write to it means a writer that slipped in between fails the append instead of breaking the
 * hash chain computed from the read.
 */
export const streamStateFor = (actualRevision: bigint): AppendStreamState => (actualRevision < 0n ? NO_STREAM : actualRevision);

/** Metadata as stored: ours, plus correlation and causation under the store's own `$` keys. */
export type StoredMetadata = EventMetadata & {
  readonly $correlationId: string;
  readonly $causationId: string;
};

const STORE_KEYS = ['$correlationId', '$causationId'] as const;

export const toStoredMetadata = (metadata: EventMetadata): StoredMetadata => ({
  ...metadata,
  $correlationId: metadata.correlationId,
  $causationId: metadata.causationId,
});

/**
 * Back to our shape: the `$` copies are dropped, so the metadata hashes exactly as it did when
 * appended. Anything else is kept as stored (a tampered field must show up in `ledger verify`).
 */
export function fromStoredMetadata(raw: unknown, eventId: string): EventMetadata {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || raw instanceof Uint8Array) {
    throw new Error(`event ${eventId} has no JSON object as metadata: it was not written by this ledger`);
  }
  const metadata: Record<string, unknown> = { ...raw };
  for (const key of STORE_KEYS) delete metadata[key];
  // The store's content is checked by the hash chain (`ledger verify`), not here.
  return metadata as unknown as EventMetadata;
}

/**
 * A value as it will read back from the store: the client writes `JSON.stringify(data)`, so the
 * hash is taken over the parsed JSON, not over the caller's object (which may hold `undefined`,
 * `-0`, dates or `toJSON` methods that JSON changes).
 */
export function asStoredJson(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

/** The fields of a client-side recorded event that the adapter reads. */
export interface StoreRecord {
  readonly id: string;
  readonly streamId: string;
  readonly revision: bigint;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly position?: Position;
}

/** `streamName` is ours: the server's stream name without a test namespace. */
export function toRecordedEvent(record: StoreRecord, streamName: string): RecordedEvent {
  if (!record.position) {
    throw new Error(`event ${record.id} in ${record.streamId} came without a log position: KurrentDB 22.6 or later is required`);
  }
  return {
    id: record.id,
    streamName,
    revision: record.revision,
    position: toLogPosition(record.position),
    type: record.type,
    data: record.data,
    metadata: fromStoredMetadata(record.metadata, record.id),
  };
}

/** The client failures the adapter turns into values; everything else is thrown on. */
export type ClientFailure = 'wrong_expected_version' | 'stream_not_found' | 'other';

export function classifyClientError(error: unknown): ClientFailure {
  if (typeof error !== 'object' || error === null || !('type' in error)) return 'other';
  if (error.type === ErrorType.WRONG_EXPECTED_VERSION) return 'wrong_expected_version';
  if (error.type === ErrorType.STREAM_NOT_FOUND) return 'stream_not_found';
  return 'other';
}
