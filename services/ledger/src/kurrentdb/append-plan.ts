import { jsonEvent, type EventData, type JSONType } from '@kurrent/kurrentdb-client';
import {
  err,
  ok,
  type AppendError,
  type AppendSuccess,
  type EventMetadata,
  type NewEvent,
  type RecordedEvent,
  type Result,
} from '@pz/contracts';
import { eventHash } from '../hash-chain';
import { asStoredJson, toStoredMetadata } from './mapping';

/** An event ready to write: its content is exactly what will read back, so its hash recomputes. */
export interface ChainedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly hash: string;
}

/**
 * The events of this append already in the stream (a retried command), judged from the stream's
 * latest events, newest first. All found: an idempotent success at the position of the last of
 * them. Some found: DUPLICATE_EVENT_ID. None: null, a new append.
 */
export function findExisting(
  streamName: string,
  events: readonly NewEvent[],
  latestFirst: readonly RecordedEvent[],
): Result<AppendSuccess, AppendError> | null {
  const wanted = new Set(events.map((e) => e.id.toLowerCase()));
  const found = new Map<string, RecordedEvent>();
  for (const recorded of latestFirst) {
    if (wanted.has(recorded.id) && !found.has(recorded.id)) found.set(recorded.id, recorded);
  }
  if (found.size === 0) return null;
  if (found.size !== wanted.size) {
    const [example] = found.keys();
    return err({
      code: 'DUPLICATE_EVENT_ID',
      message: `some of these event ids are already recorded (e.g. ${example} in ${streamName})`,
      streamName,
    });
  }
  const last = [...found.values()].reduce((a, b) => (a.revision > b.revision ? a : b));
  const head = latestFirst[0] as RecordedEvent;
  return ok({ nextRevision: head.revision, position: last.position, appended: false });
}

/**
 * Links each event to the previous event of its stream, as the postgres adapter does: metadata
 * gets `schemaVersion` and `previousEventHash` (GENESIS_HASH before the first event). Ids are
 * lower-cased because the store returns UUIDs in lower case.
 */
export function chainEvents(
  streamName: string,
  events: readonly NewEvent[],
  actualRevision: bigint,
  previousHash: string,
): ChainedEvent[] {
  let previous = previousHash;
  return events.map((event, index) => {
    const id = event.id.toLowerCase();
    const revision = actualRevision + 1n + BigInt(index);
    const data = asStoredJson(event.data);
    const metadata = asStoredJson({ ...event.metadata, schemaVersion: event.schemaVersion, previousEventHash: previous }) as EventMetadata;
    const hash = eventHash({ id, streamName, revision, type: event.type, data, metadata });
    previous = hash;
    return { id, type: event.type, data, metadata, hash };
  });
}

export const toEventData = (event: ChainedEvent): EventData =>
  jsonEvent({
    id: event.id,
    type: event.type,
    // The client JSON-encodes whatever it is given; its type admits only objects, arrays and strings.
    data: event.data as JSONType,
    metadata: toStoredMetadata(event.metadata),
  });
