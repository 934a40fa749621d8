import type { Kysely } from 'kysely';
import type { RecordedEvent } from '@pz/contracts';
import type { Migration } from '@pz/database';

/**
 * A read model: its tables (created by its migrations) and a handler that turns events into
 * row changes. Handlers must be deterministic functions of the events: no clock, no random
 * ids, so that a rebuild from position 0 gives the same rows.
 */
export interface Projection {
  /** Checkpoint key; also the owner name of its migrations. */
  readonly name: string;
  /** Bumping it makes the runner rebuild the read model from position 0 on start. */
  readonly version: number;
  /** The event types it reads; other events only move its checkpoint. */
  readonly eventTypes: readonly string[];
  readonly migrations: Record<string, Migration>;
  /** Tables emptied by a rebuild, children before parents. */
  readonly tables: readonly string[];
  /**
   * Applies events (of its types, in log order, a page at a time) inside the runner's
   * transaction. It may apply them together in set-based statements, as long as the rows are
   * those that applying them one at a time would give: how a page is cut must not matter.
   */
  apply(db: Kysely<object>, events: readonly RecordedEvent[]): Promise<void>;
}
