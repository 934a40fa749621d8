import { createHash } from 'node:crypto';
import type { EventMetadata } from '@pz/contracts';
import { canonicalJson } from './canonical-json';

/** The parts of an event that its hash covers: everything but its position in the global log. */
export interface HashedEventContent {
  readonly id: string;
  readonly streamName: string;
  readonly revision: bigint;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

/**
 * sha256 over the canonical JSON of the event, including its stream, revision and the hash of
 * the previous event of its stream (in metadata). Editing, reordering or deleting an event
 * therefore breaks the link from the event after it.
 */
export function eventHash(event: HashedEventContent): string {
  const content = canonicalJson({
    id: event.id,
    stream: event.streamName,
    revision: event.revision.toString(),
    type: event.type,
    data: event.data,
    metadata: event.metadata,
  });
  return createHash('sha256').update(content).digest('hex');
}
