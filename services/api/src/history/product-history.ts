import { formatPosition, type RecordedEvent } from '@pz/contracts';
import { asPzEvent } from './as-of';
import { diffSnapshots, type ProductDiff } from './product-diff';
import { evolveSnapshot, type ProductSnapshot } from './product-snapshot';

export type HistoryEntry = {
  readonly revision: number;
  readonly position: string;
  readonly event_id: string;
  readonly type: string;
  readonly recorded_at: string;
  readonly actor: { readonly kind: string; readonly username: string | null };
  readonly client: string;
  readonly diff: ProductDiff;
};

/** Every event of a product's stream with who, when, where in the global log, and what it changed. */
export function productHistory(events: readonly RecordedEvent[]): HistoryEntry[] {
  let state: ProductSnapshot | null = null;
  return events.map((event) => {
    const next = evolveSnapshot(state, asPzEvent(event), event.metadata.recordedAt);
    const entry: HistoryEntry = {
      revision: Number(event.revision),
      position: formatPosition(event.position),
      event_id: event.id,
      type: event.type,
      recorded_at: event.metadata.recordedAt,
      actor: { kind: event.metadata.actor.kind, username: event.metadata.actor.username },
      client: event.metadata.client.kind,
      diff: diffSnapshots(state, next),
    };
    state = next;
    return entry;
  });
}
