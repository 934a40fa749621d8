import type { EventStore } from '@pz/contracts';
import type { Config } from '@pz/config';
import type { Database } from '@pz/database';
import { openPostgresEventStore } from './postgres/postgres-event-store';

/** The store the configuration asks for: KurrentDB when EVENTSTORE_URL is set, else the events table. */
export async function openEventStore(config: Pick<Config, 'eventStoreUrl'>, database: Database): Promise<EventStore> {
  if (config.eventStoreUrl) {
    // Loaded only when asked for: the gRPC client is heavy and most deployments do not use it.
    const { openKurrentDbEventStore } = await import('./kurrentdb/kurrentdb-event-store');
    return openKurrentDbEventStore(config.eventStoreUrl);
  }
  return openPostgresEventStore(database);
}
