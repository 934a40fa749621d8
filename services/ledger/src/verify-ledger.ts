import { GENESIS_HASH, type EventStore, type RecordedEvent } from '@pz/contracts';
import { eventHash } from './hash-chain';

export type ChainProblemKind = 'revision_gap' | 'recorded_hash_mismatch' | 'broken_link';

export interface ChainProblem {
  readonly streamName: string;
  readonly revision: bigint;
  readonly kind: ChainProblemKind;
  readonly message: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly streams: number;
  readonly events: number;
  /** The first problem of each broken stream. */
  readonly problems: readonly ChainProblem[];
}

/** Checks one stream's events (in revision order): contiguous revisions and an unbroken hash chain. */
export function verifyStream(streamName: string, events: readonly RecordedEvent[]): ChainProblem | null {
  let expectedPrevious = GENESIS_HASH;
  for (const [index, event] of events.entries()) {
    const at = { streamName, revision: event.revision };
    if (event.revision !== BigInt(index)) {
      return { ...at, kind: 'revision_gap', message: `expected revision ${index}, found ${event.revision}: an event was removed or moved` };
    }
    if (event.metadata.previousEventHash !== expectedPrevious) {
      return { ...at, kind: 'broken_link', message: `previousEventHash does not match the hash of revision ${index - 1}: an earlier event was edited, reordered or removed` };
    }
    const hash = eventHash(event);
    if (event.recordedHash !== undefined && event.recordedHash !== hash) {
      return { ...at, kind: 'recorded_hash_mismatch', message: `content hash ${hash.slice(0, 12)}… differs from the recorded ${event.recordedHash.slice(0, 12)}…: this event was edited` };
    }
    expectedPrevious = hash;
  }
  return null;
}

/** Verifies every stream of the store. Reads one stream at a time, so memory stays bounded by the largest stream. */
export async function verifyLedger(store: EventStore, onProgress?: (streamsDone: number) => void): Promise<VerifyReport> {
  const streams = await store.listStreams();
  const problems: ChainProblem[] = [];
  let events = 0;
  for (const [i, streamName] of streams.entries()) {
    const streamEvents = await store.readStream(streamName);
    events += streamEvents.length;
    const problem = verifyStream(streamName, streamEvents);
    if (problem) problems.push(problem);
    onProgress?.(i + 1);
  }
  return { ok: problems.length === 0, streams: streams.length, events, problems };
}
