import type { ServerResponse } from 'node:http';
import { formatPosition, type EventStore, type LogPosition, type Subscription } from '@pz/contracts';
import type { DeliveryGate } from './event-delivery';

export interface SseOptions {
  readonly after: LogPosition;
  readonly eventTypes?: readonly string[];
  /** Bytes that may wait in the connection's send buffer; past it the stream is closed with a resumable position. */
  readonly maxBufferBytes: number;
  readonly heartbeatMs: number;
  /** How long a full send buffer may stay full before the stream is closed the same way. */
  readonly stallMs: number;
}

/** One SSE message: `id` is the event's global position, which `Last-Event-ID` resumes after. */
export const sseMessage = (id: string, event: string, data: unknown): string => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * Streams the log to one subscriber: replay after `after`, then live (one subscription, no gap
 * between the two). The connection's memory is bounded: the next page is read only once the
 * previous one was written, and once more than `maxBufferBytes` wait to be sent nothing more is
 * written until the socket drains. A consumer that does not drain it within `stallMs` (slow or
 * stuck) gets an `overflow` event naming the last position sent, from which it resumes, and the
 * end of the stream: a connection holds at most `maxBufferBytes` plus one event.
 */
export function streamEvents(store: EventStore, gate: DeliveryGate, raw: ServerResponse, options: SseOptions): { close(): Promise<void> } {
  let lastSent = options.after;
  let ended = false;
  let subscription: Subscription | null = null;

  const finish = (reason: 'overflow' | 'shutdown' | null) => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    if (reason && !raw.writableEnded && !raw.destroyed) {
      raw.write(sseMessage(formatPosition(lastSent), reason, { reason, resume_after: formatPosition(lastSent) }));
      raw.end();
    }
    void subscription?.close();
  };

  const heartbeat = setInterval(() => {
    if (!ended && raw.writableLength < options.maxBufferBytes) raw.write(`: heartbeat ${new Date().toISOString()}\n\n`);
  }, options.heartbeatMs);
  raw.on('close', () => finish(null));

  subscription = store.subscribeToAllPages({
    after: options.after,
    ...(options.eventTypes ? { eventTypes: options.eventTypes } : {}),
    onPage: async (page) => {
      if (ended) return;
      const deliveries = await gate.select(page.events);
      for (const d of deliveries) {
        if (ended) return;
        raw.write(sseMessage(d.id, d.type, d.entry));
        lastSent = d.position;
        // Past the bound, nothing more is written until the consumer takes what waits.
        if (raw.writableLength > options.maxBufferBytes && !(await drained(raw, options.stallMs))) return finish('overflow');
      }
    },
    onError: () => finish('shutdown'),
  });

  return { close: async () => finish('shutdown') };
}

/** Whether the socket drained within `ms` (false: it did not, or the connection closed). */
function drained(raw: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      raw.off('drain', onDrain);
      raw.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => done(false), ms);
    raw.once('drain', onDrain);
    raw.once('close', onClose);
  });
}
