import { randomUUID } from 'node:crypto';
import { describe, it } from 'vitest';
import { describeEventStoreContract } from '../event-store-contract';
import { openKurrentDbEventStore } from './kurrentdb-event-store';

const url = process.env.EVENTSTORE_URL;

if (url) {
  // A server cannot be emptied between tests: each store gets a fresh namespace instead.
  describeEventStoreContract('kurrentdb adapter', async () => {
    const store = await openKurrentDbEventStore(url, { pollIntervalMs: 50, namespace: `t${randomUUID().replaceAll('-', '')}` });
    return { store, cleanup: () => store.close() };
  });
} else {
  describe.skip('kurrentdb adapter — skipped: EVENTSTORE_URL not set, no KurrentDB server here', () => {
    it('passes the event store contract against a real KurrentDB server', () => {});
  });
}
