import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '@pz/contracts';
import { testBackends, type TestDatabase } from '@pz/database/testing';
import { testEvent } from '../event-store-contract';
import { openPostgresEventStore } from '../postgres/postgres-event-store';
import { openCheckpointStore, type CheckpointStore } from './checkpoint-store';
import { createCheckpointer } from './checkpointer';
import { headsRoot } from './signed-checkpoint';
import { ledgerSigningKey } from './signing-key';

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await delay(25);
  }
}

for (const backend of testBackends()) {
  describe(`the checkpointer (${backend.name})`, () => {
    let database: TestDatabase;
    let store: EventStore;
    let dataDir: string;
    let checkpoints: CheckpointStore;
    beforeAll(async () => {
      database = await backend.open();
      store = await openPostgresEventStore(database);
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-checkpointer-'));
      checkpoints = await openCheckpointStore(database, dataDir);
    }, 120_000);
    afterAll(async () => {
      await store.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('signs after every N events and on a timer while the log moves, and a restarted one signs the heads a full read of the log gives', async () => {
      const key = ledgerSigningKey(dataDir, null);
      const byCount = createCheckpointer(store, checkpoints, key, { intervalMs: 0, everyEvents: 3, pollMs: 50 });
      await byCount.start();
      await store.append('thing-1', [testEvent('ProductEdited', { n: 1 }), testEvent('ProductEdited', { n: 2 })], 'no_stream');
      await delay(300);
      expect(await checkpoints.latest()).toBeNull();
      await store.append('thing-2', [testEvent('ProductEdited', { n: 3 })], 'no_stream');
      const first = await until(() => checkpoints.latest(), (c) => c !== null);
      expect(first?.checkpoint.streams).toBe(2);
      expect(first?.heads?.map((h) => [h.streamName, h.revision])).toEqual([['thing-1', 1n], ['thing-2', 0n]]);
      await byCount.stop();

      // A restarted one (on a timer this time) starts from those heads and signs only when the log moved.
      const byTime = createCheckpointer(store, checkpoints, key, { intervalMs: 50, everyEvents: 0 });
      await byTime.start();
      await delay(300);
      expect((await checkpoints.latest())?.checkpoint.signature).toBe(first?.checkpoint.signature);
      await store.append('thing-1', [testEvent('ProductEdited', { n: 4 })], 1n);
      const second = await until(() => checkpoints.latest(), (c) => c?.checkpoint.signature !== first?.checkpoint.signature);
      await byTime.stop();
      expect(second?.heads?.map((h) => [h.streamName, h.revision])).toEqual([['thing-1', 2n], ['thing-2', 0n]]);
      const fromScratch = await Promise.all((await store.listStreams()).map(async (name) => {
        const last = (await store.readStream(name)).at(-1);
        return { streamName: name, revision: last?.revision ?? -1n, hash: last?.recordedHash ?? '' };
      }));
      expect(second?.checkpoint.root).toBe(headsRoot(fromScratch));
    }, 60_000);
  });
}
