import { comparePositions, formatPosition, type RecordedEvent } from '@pz/contracts';
import { eventHash } from '../hash-chain';
import type { CheckpointWithHeads } from './checkpoint-store';
import { headsRoot, signatureHolds, type SignedCheckpoint, type StreamHead } from './signed-checkpoint';
import type { LedgerPublicKey } from './signing-key';

export type CheckpointProblemKind = 'bad_signature' | 'no_public_key' | 'stream_missing' | 'stream_truncated' | 'head_changed' | 'unexpected_stream' | 'root_mismatch';

export interface CheckpointProblem {
  readonly kind: CheckpointProblemKind;
  /** The stream it is about, when it is about one. */
  readonly streamName: string | null;
  readonly revision: bigint | null;
  readonly message: string;
}

/** Where a checkpoint to check against came from. */
export type CheckpointSource = 'database' | 'file' | 'given';

export interface CheckpointCheck {
  readonly source: CheckpointSource;
  readonly checkpoint: SignedCheckpoint;
  readonly signatureValid: boolean;
  /** The log still holds every head the checkpoint signed (it may have grown, never shrunk or changed). */
  readonly consistent: boolean;
  readonly problems: readonly CheckpointProblem[];
}

export interface CheckpointToCheck extends CheckpointWithHeads {
  readonly source: CheckpointSource;
}

/**
 * Checks the log against one signed checkpoint, one stream at a time (`see` each stream's
 * events in revision order, then `finish`). The signed root is rebuilt from the log: for every
 * stream, its last event at or before the checkpoint's position, hashed anew. A truncated,
 * edited or removed stream changes that root. When the checkpoint's leaves were kept (and still
 * match its signed root) the streams that differ are named: each leaf's stream must still exist,
 * reach at least that revision, and hold an event of that hash there.
 */
export class CheckpointVerifier {
  private readonly asOf: StreamHead[] = [];
  private readonly expected: Map<string, StreamHead> | null;
  private readonly problems: CheckpointProblem[] = [];

  constructor(private readonly target: CheckpointToCheck) {
    const heads = target.heads && headsRoot(target.heads) === target.checkpoint.root ? target.heads : null;
    this.expected = heads ? new Map(heads.map((h) => [h.streamName, h])) : null;
  }

  see(streamName: string, events: readonly RecordedEvent[]): void {
    const position = this.target.checkpoint.position;
    let head: RecordedEvent | undefined;
    for (const event of events) if (comparePositions(event.position, position) <= 0 && (!head || event.revision > head.revision)) head = event;
    if (head) this.asOf.push({ streamName, revision: head.revision, hash: eventHash(head) });

    if (!this.expected) return;
    const signed = this.expected.get(streamName);
    this.expected.delete(streamName);
    if (!signed) {
      if (head) this.problem('unexpected_stream', streamName, head.revision, `has events at or before the checkpoint's position ${formatPosition(position)} that the checkpoint does not list`);
      return;
    }
    const last = events.at(-1);
    const at = events.find((e) => e.revision === signed.revision);
    if (!last || last.revision < signed.revision || !at) {
      this.problem('stream_truncated', streamName, signed.revision, `ends at revision ${last ? last.revision : 'none'}, but the checkpoint signed revision ${signed.revision}: its last events were removed`);
    } else if (eventHash(at) !== signed.hash) {
      this.problem('head_changed', streamName, signed.revision, `revision ${signed.revision} hashes to ${eventHash(at).slice(0, 12)}…, the checkpoint signed ${signed.hash.slice(0, 12)}…: it was edited`);
    }
  }

  finish(key: LedgerPublicKey | null): CheckpointCheck {
    const { checkpoint } = this.target;
    const signatureValid = key !== null && signatureHolds(checkpoint, key);
    if (!key) this.problem('no_public_key', null, null, 'no public key to check the checkpoint\'s signature with (no signing key in the data folder, LEDGER_SIGNING_KEY unset, no --public-key)');
    else if (!signatureValid) this.problem('bad_signature', null, null, checkpoint.keyId === key.keyId ? 'the signature does not hold: this checkpoint was not signed with the ledger key as it reads' : `signed by key ${checkpoint.keyId.slice(0, 12)}…, not the ledger key ${key.keyId.slice(0, 12)}…`);
    for (const missing of this.expected?.values() ?? []) {
      this.problem('stream_missing', missing.streamName, missing.revision, `is gone from the log; the checkpoint signed it at revision ${missing.revision}`);
    }
    const root = headsRoot(this.asOf);
    const rootMatches = root === checkpoint.root && this.asOf.length === checkpoint.streams;
    if (!rootMatches && !this.problems.some((p) => p.streamName !== null)) {
      this.problem('root_mismatch', null, null, `the log's ${this.asOf.length} stream heads at ${formatPosition(checkpoint.position)} hash to ${root.slice(0, 12)}…, the checkpoint signed ${checkpoint.streams} heads hashing to ${checkpoint.root.slice(0, 12)}…: events at or before it were removed, edited or moved`);
    }
    return { source: this.target.source, checkpoint, signatureValid, consistent: rootMatches && this.problems.every((p) => p.streamName === null), problems: this.problems };
  }

  private problem(kind: CheckpointProblemKind, streamName: string | null, revision: bigint | null, message: string): void {
    this.problems.push({ kind, streamName, revision, message });
  }
}
