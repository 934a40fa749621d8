import { START, comparePositions, type EventStore, type LogPosition } from '@pz/contracts';
import type { StreamAppend } from './catalogue-events';

export interface AppendedLog {
  readonly appends: number;
  readonly events: number;
  /** The position of the last event written: what a reader must reach to have seen them all. */
  readonly last: LogPosition;
  readonly seconds: number;
}

/**
 * Appends every stream of `appends` (each a new stream: `no_stream`) with `writers` concurrent
 * writers pulling from one iterator, so a lazy generator never holds the whole log in memory.
 */
export async function appendAll(store: EventStore, appends: Iterable<StreamAppend>, writers: number, onProgress?: (events: number) => void): Promise<AppendedLog> {
  const source = appends[Symbol.iterator]();
  let count = 0;
  let events = 0;
  let last = START;
  let reported = 0;
  const started = performance.now();
  const writer = async () => {
    for (let next = source.next(); !next.done; next = source.next()) {
      const result = await store.append(next.value.stream, next.value.events, 'no_stream');
      if (!result.ok) throw new Error(`seeding ${next.value.stream}: ${result.error.message}`);
      count++;
      events += next.value.events.length;
      if (comparePositions(result.value.position, last) > 0) last = result.value.position;
      if (onProgress && events - reported >= 100_000) {
        reported = events;
        onProgress(events);
      }
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
  return { appends: count, events, last, seconds: (performance.now() - started) / 1000 };
}

/** Products `first`, `first+1`... until `maxEvents` events (the last product may pass it) or `maxProducts`. */
export function* takeEvents(product: (id: number) => StreamAppend, first: number, limits: { maxEvents?: number; maxProducts?: number }): Generator<StreamAppend> {
  let events = 0;
  for (let id = first; events < (limits.maxEvents ?? Infinity) && id - first < (limits.maxProducts ?? Infinity); id++) {
    const next = product(id);
    events += next.events.length;
    yield next;
  }
}
