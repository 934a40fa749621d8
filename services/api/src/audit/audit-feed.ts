import { START, comparePositions, type EventStore, type LogPosition, type RecordedEvent } from '@pz/contracts';
import { productIdOf } from './audit-entry';

export interface AuditFilter {
  /** A username or a user id. */
  readonly actor?: string;
  readonly types?: readonly string[];
  readonly productId?: number;
  readonly since?: Date;
  readonly until?: Date;
}

export function matches(event: RecordedEvent, filter: AuditFilter): boolean {
  const actor = event.metadata.actor;
  if (filter.actor !== undefined && actor.username !== filter.actor && String(actor.userId) !== filter.actor) return false;
  if (filter.productId !== undefined && productIdOf(event) !== filter.productId) return false;
  const at = new Date(event.metadata.recordedAt).getTime();
  if (filter.since && at < filter.since.getTime()) return false;
  if (filter.until && at > filter.until.getTime()) return false;
  return true;
}

export interface AuditPage {
  readonly events: RecordedEvent[];
  /** Where the next page starts (exclusive); null once the log's head was reached. */
  readonly next: LogPosition | null;
}

/**
 * Up to `limit` matching events after `after`, in log order. A page reads at most `maxReads`
 * pages of the log (500 events each): a rare filter then answers with fewer (even none) and a
 * cursor, rather than holding a request open over the whole log.
 */
export async function auditPage(store: EventStore, filter: AuditFilter, after: LogPosition = START, limit = 100, maxReads = 40): Promise<AuditPage> {
  const events: RecordedEvent[] = [];
  let cursor = after;
  for (let reads = 0; reads < maxReads; reads += 1) {
    const page = await store.readAll({ after: cursor, limit: 500, ...(filter.types ? { eventTypes: filter.types } : {}) });
    if (comparePositions(page.lastPosition, cursor) === 0) return { events, next: null };
    for (const event of page.events) {
      if (!matches(event, filter)) continue;
      events.push(event);
      if (events.length === limit) return { events, next: event.position };
    }
    cursor = page.lastPosition;
  }
  return { events, next: cursor };
}

/** Every matching event after `after`, a page at a time (the streamed exports). */
export async function* auditEvents(store: EventStore, filter: AuditFilter, after: LogPosition = START): AsyncGenerator<RecordedEvent> {
  let cursor = after;
  for (;;) {
    const page = await store.readAll({ after: cursor, limit: 500, ...(filter.types ? { eventTypes: filter.types } : {}) });
    if (comparePositions(page.lastPosition, cursor) === 0) return;
    for (const event of page.events) if (matches(event, filter)) yield event;
    cursor = page.lastPosition;
  }
}
