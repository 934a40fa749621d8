import { comparePositions, parsePosition, type LogPosition, type PzEvent, type RecordedEvent } from '@pz/contracts';
import { evolveSnapshot, type ProductSnapshot } from './product-snapshot';

/** A moment in the log: a global position (`<commit>:<prepare>`), or an instant (events recorded at or before it). */
export type Moment = { readonly position: LogPosition } | { readonly time: Date };

/** `1234:56` or an ISO-8601 instant; null when it is neither. */
export function parseMoment(text: string): Moment | null {
  const position = parsePosition(text);
  if (position) return { position };
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? null : { time };
}

export const isAtOrBefore = (event: RecordedEvent, moment: Moment): boolean =>
  'position' in moment ? comparePositions(event.position, moment.position) <= 0 : new Date(event.metadata.recordedAt).getTime() <= moment.time.getTime();

export const asPzEvent = (event: RecordedEvent): PzEvent => ({ type: event.type, data: event.data }) as PzEvent;

/** A product's state at `moment`, from its stream's events (null: not yet registered then). */
export function snapshotAt(events: readonly RecordedEvent[], moment: Moment): { snapshot: ProductSnapshot | null; last: RecordedEvent | null } {
  let snapshot: ProductSnapshot | null = null;
  let last: RecordedEvent | null = null;
  for (const event of events) {
    if (!isAtOrBefore(event, moment)) continue;
    snapshot = evolveSnapshot(snapshot, asPzEvent(event), event.metadata.recordedAt);
    last = event;
  }
  return { snapshot, last };
}
