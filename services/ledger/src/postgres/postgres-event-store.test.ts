import { describe } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { describeEventStoreContract } from '../event-store-contract';
import { openPostgresEventStore } from './postgres-event-store';

for (const backend of testBackends()) {
  describe(backend.name, () => {
    describeEventStoreContract(`postgres adapter on ${backend.name}`, async () => {
      const database = await backend.open();
      const store = await openPostgresEventStore(database, { pollIntervalMs: 50 });
      return {
        store,
        async cleanup() {
          await store.close();
          await database.drop();
        },
      };
    });
  });
}
