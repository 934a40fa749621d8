import type { AppendError, NewEvent } from '@pz/contracts';
import { isValidStreamName } from './stream-names';

/**
 * What every adapter refuses before touching storage: a malformed stream name, an empty append,
 * and an append that carries the same event id twice (the store would otherwise record both, or
 * report a misleading revision conflict). `null` when the request is well formed.
 */
export function refuseMalformedAppend(streamName: string, events: readonly NewEvent[]): AppendError | null {
  if (!isValidStreamName(streamName)) {
    return { code: 'INVALID_STREAM_NAME', message: `invalid stream name "${streamName}": expected <category>-<id>`, streamName };
  }
  if (events.length === 0) return { code: 'EMPTY_APPEND', message: `nothing to append to ${streamName}`, streamName };
  const repeated = repeatedEventId(events);
  if (repeated) return { code: 'DUPLICATE_EVENT_ID', message: `event id ${repeated} occurs twice in one append`, streamName };
  return null;
}

/** The first event id that occurs twice in one append (ids compare case-insensitively), if any. */
export function repeatedEventId(events: readonly NewEvent[]): string | null {
  const seen = new Set<string>();
  for (const event of events) {
    const id = event.id.toLowerCase();
    if (seen.has(id)) return id;
    seen.add(id);
  }
  return null;
}
