import { sign, verify } from 'node:crypto';
import { formatPosition, parsePosition, type LogPosition } from '@pz/contracts';
import { inclusionProof, leafHash, merkleRoot } from './merkle';
import type { LedgerPublicKey, LedgerSigningKey } from './signing-key';

export const CHECKPOINT_FORMAT = 'pz-ledger-checkpoint/1';

/** The last event of a stream at some position of the log: its revision and its hash. */
export interface StreamHead {
  readonly streamName: string;
  readonly revision: bigint;
  readonly hash: string;
}

/** What a checkpoint states, and signs: the Merkle root over every stream's head at `position`. */
export interface CheckpointBody {
  readonly position: LogPosition;
  /** How many streams (leaves) the tree holds. */
  readonly streams: number;
  /** The Merkle root (hex) over the heads, one leaf per stream in byte order of the stream names. */
  readonly root: string;
  /** When it was signed (ISO 8601, UTC). */
  readonly time: string;
  readonly keyId: string;
}

export interface SignedCheckpoint extends CheckpointBody {
  /** Ed25519 over `checkpointNote(body)`, base64. */
  readonly signature: string;
}

/** A leaf: `<stream name> <revision> <hash>` in ASCII (stream names hold no spaces). */
export const headLeaf = (head: StreamHead): string => `${head.streamName} ${head.revision} ${head.hash}`;

const byName = (a: StreamHead, b: StreamHead): number => Buffer.compare(Buffer.from(a.streamName), Buffer.from(b.streamName));

/** The heads in tree order (byte order of the names), and each leaf's hash. */
export function headsTree(heads: Iterable<StreamHead>): { readonly heads: StreamHead[]; readonly leafHashes: Buffer[] } {
  const sorted = [...heads].sort(byName);
  return { heads: sorted, leafHashes: sorted.map((head) => leafHash(Buffer.from(headLeaf(head)))) };
}

export const headsRoot = (heads: Iterable<StreamHead>): string => merkleRoot(headsTree(heads).leafHashes).toString('hex');

/** The proof that one stream's head is a leaf of the tree: its index, the leaf, and the audit path. */
export function headInclusion(heads: Iterable<StreamHead>, streamName: string): { index: number; leaf: string; path: string[] } | null {
  const tree = headsTree(heads);
  const index = tree.heads.findIndex((h) => h.streamName === streamName);
  const head = tree.heads[index];
  if (!head) return null;
  return { index, leaf: headLeaf(head), path: inclusionProof(tree.leafHashes, index).map((b) => b.toString('hex')) };
}

/**
 * The exact text that is signed, one `key value` per line, newline-terminated, in the spirit of
 * Certificate Transparency's signed tree heads (and Go's checksum database notes):
 *
 *     pz-ledger-checkpoint/1
 *     position 1234:5678
 *     streams 42
 *     root 3f…
 *     time 2026-12-06T12:00:00.000Z
 *     key 9a…
 */
export function checkpointNote(body: CheckpointBody): string {
  return [CHECKPOINT_FORMAT, `position ${formatPosition(body.position)}`, `streams ${body.streams}`, `root ${body.root}`, `time ${body.time}`, `key ${body.keyId}`, ''].join('\n');
}

export function signCheckpoint(key: LedgerSigningKey, heads: Iterable<StreamHead>, position: LogPosition, time: Date = new Date()): SignedCheckpoint {
  const tree = headsTree(heads);
  const body: CheckpointBody = { position, streams: tree.heads.length, root: merkleRoot(tree.leafHashes).toString('hex'), time: time.toISOString(), keyId: key.publicKey.keyId };
  return { ...body, signature: sign(null, Buffer.from(checkpointNote(body)), key.privateKey).toString('base64') };
}

/** Whether the signature over this checkpoint's note holds under that key (a checkpoint naming another key does not). */
export function signatureHolds(checkpoint: SignedCheckpoint, key: LedgerPublicKey): boolean {
  if (checkpoint.keyId !== key.keyId) return false;
  try {
    return verify(null, Buffer.from(checkpointNote(checkpoint)), key.key, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    return false;
  }
}

/** The JSON form: the API's answer, the file in the data folder, and what `ledger verify --checkpoint` reads. */
export interface CheckpointJson {
  readonly format: string;
  readonly position: string;
  readonly streams: number;
  readonly root: string;
  readonly time: string;
  readonly key_id: string;
  readonly signature: string;
  /** The signed text itself, so that a checker needs no knowledge of the format to check the signature. */
  readonly note: string;
}

export function checkpointJson(checkpoint: SignedCheckpoint): CheckpointJson {
  return {
    format: CHECKPOINT_FORMAT,
    position: formatPosition(checkpoint.position),
    streams: checkpoint.streams,
    root: checkpoint.root,
    time: checkpoint.time,
    key_id: checkpoint.keyId,
    signature: checkpoint.signature,
    note: checkpointNote(checkpoint),
  };
}

/** Reads the JSON form back (the `note` is rebuilt from the fields, never trusted); throws on anything malformed. */
export function checkpointFromJson(value: unknown): SignedCheckpoint {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Partial<Record<keyof CheckpointJson, unknown>>;
  const position = typeof v.position === 'string' ? parsePosition(v.position) : null;
  const valid =
    v.format === CHECKPOINT_FORMAT && position !== null && Number.isSafeInteger(v.streams) && (v.streams as number) >= 0 &&
    typeof v.root === 'string' && /^[0-9a-f]{64}$/.test(v.root) && typeof v.time === 'string' && !/\n/.test(v.time) &&
    typeof v.key_id === 'string' && /^[0-9a-f]{64}$/.test(v.key_id) && typeof v.signature === 'string';
  if (!valid || position === null) throw new Error(`not a ${CHECKPOINT_FORMAT} checkpoint`);
  return { position, streams: v.streams as number, root: v.root as string, time: v.time as string, keyId: v.key_id as string, signature: v.signature as string };
}
