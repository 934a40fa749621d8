import { comparePositions, START, type EventStore, type LogPosition } from '@pz/contracts';

const SHA256 = /^[0-9a-f]{64}$/;
const NAMES_A_BLOB = (key: string): boolean => key === 'sha256' || key.endsWith('_sha256');

/** Every blob address in `value`: strings of 64 hex digits under a key `sha256` or `*_sha256`, at any depth. */
function collectHashes(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectHashes(item, into);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, inner] of Object.entries(value)) {
    if (typeof inner === 'string' && NAMES_A_BLOB(key) && SHA256.test(inner)) into.add(inner);
    else collectHashes(inner, into);
  }
}

/**
 * The blobs the ledger names, read from every event: uploaded files (`sha256`) and what
 * registry derived from them and keeps (`details.row_index_sha256`, `details.extracted_sha256`),
 * and whatever later events name the same way. A blob no event names may be swept; the
 * derivatives are named by the events that record them, so they stay.
 */
export async function referencedBlobHashes(store: EventStore): Promise<Set<string>> {
  const named = new Set<string>();
  let after: LogPosition = START;
  for (;;) {
    const page = await store.readAll({ after, limit: 5000 });
    for (const event of page.events) collectHashes(event.data, named);
    if (page.events.length === 0 || comparePositions(page.lastPosition, after) === 0) return named;
    after = page.lastPosition;
  }
}
