import { formatPosition, type RecordedEvent } from '@pz/contracts';

/** Fields no reader of the log is shown: password digests, token and share-key hashes. */
const SECRET_FIELDS = new Set(['passwordHash', 'tokenHash', 'keyHash']);

/** An event's data without its secret-derived fields. */
export function publicData(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  return Object.fromEntries(Object.entries(data).filter(([key]) => !SECRET_FIELDS.has(key)));
}

/** The product an event is about: its stream's, or the one its data names. */
export function productIdOf(event: RecordedEvent): number | null {
  const m = /^product-(\d+)$/.exec(event.streamName);
  if (m?.[1]) return Number(m[1]);
  const named = (event.data as { productId?: unknown } | null)?.productId;
  return typeof named === 'number' ? named : null;
}

export type AuditEntry = {
  readonly position: string;
  readonly event_id: string;
  readonly stream: string;
  readonly revision: number;
  readonly type: string;
  readonly recorded_at: string;
  readonly actor: { readonly kind: string; readonly user_id: number | null; readonly username: string | null };
  readonly client: string;
  readonly product_id: number | null;
  readonly data: unknown;
};

export function auditEntry(event: RecordedEvent): AuditEntry {
  const actor = event.metadata.actor;
  return {
    position: formatPosition(event.position),
    event_id: event.id,
    stream: event.streamName,
    revision: Number(event.revision),
    type: event.type,
    recorded_at: event.metadata.recordedAt,
    actor: { kind: actor.kind, user_id: actor.userId, username: actor.username },
    client: event.metadata.client.kind,
    product_id: productIdOf(event),
    data: publicData(event.data),
  };
}

export const CSV_HEADER = ['position', 'event_id', 'recorded_at', 'type', 'stream', 'revision', 'product_id', 'actor_kind', 'actor_user_id', 'actor_username', 'client', 'data'];

const csvField = (value: string | number | null): string => {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** One CSV record (RFC 4180), the data as JSON in the last field. */
export function csvLine(e: AuditEntry): string {
  return `${[e.position, e.event_id, e.recorded_at, e.type, e.stream, e.revision, e.product_id, e.actor.kind, e.actor.user_id, e.actor.username, e.client, JSON.stringify(e.data)].map(csvField).join(',')}\r\n`;
}
