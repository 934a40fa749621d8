import { GENESIS_HASH, type EventStore, type RecordedEvent } from '@pz/contracts';
import { eventHash } from './hash-chain';
import { CheckpointVerifier, type CheckpointCheck, type CheckpointToCheck } from './checkpoints/verify-checkpoint';
import type { LedgerPublicKey } from './checkpoints/signing-key';

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
  /** The log checked against each signed checkpoint given (none given: none checked). */
  readonly checkpoints: readonly CheckpointCheck[];
}

export interface VerifyOptions {
  /** Signed checkpoints the log must still be consistent with (the latest of the table, of the file, or one saved elsewhere). */
  readonly checkpoints?: readonly CheckpointToCheck[];
  /** The key their signatures are checked with; null: there is none, so they fail. */
  readonly publicKey?: LedgerPublicKey | null;
  readonly onProgress?: (streamsDone: number) => void;
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

/**
 * Verifies every stream of the store, and the log against each checkpoint given. Reads one
 * stream at a time, so memory stays bounded by the largest stream (plus one head per stream
 * for each checkpoint). The hash chain alone cannot see a stream's last events removed; a
 * signed checkpoint of the heads can.
 */
export async function verifyLedger(store: EventStore, options: VerifyOptions = {}): Promise<VerifyReport> {
  const streams = await store.listStreams();
  const problems: ChainProblem[] = [];
  const verifiers = (options.checkpoints ?? []).map((target) => new CheckpointVerifier(target));
  let events = 0;
  for (const [i, streamName] of streams.entries()) {
    const streamEvents = await store.readStream(streamName);
    events += streamEvents.length;
    const problem = verifyStream(streamName, streamEvents);
    if (problem) problems.push(problem);
    for (const verifier of verifiers) verifier.see(streamName, streamEvents);
    options.onProgress?.(i + 1);
  }
  const checkpoints = verifiers.map((verifier) => verifier.finish(options.publicKey ?? null));
  const ok = problems.length === 0 && checkpoints.every((c) => c.signatureValid && c.consistent);
  return { ok, streams: streams.length, events, problems, checkpoints };
}
