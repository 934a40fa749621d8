import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '@pz/contracts';
import { testBackends, type TestDatabase } from '@pz/database/testing';
import { testEvent } from '../event-store-contract';
import { FakeKurrentDbClient } from '../kurrentdb/fake-kurrentdb-client';
import { createKurrentDbEventStore } from '../kurrentdb/kurrentdb-event-store';
import { eventHash } from '../hash-chain';
import { verifyLedger } from '../verify-ledger';
import { openLedgerIntegrity, type LedgerIntegrity } from './ledger-integrity';
import { signCheckpoint } from './signed-checkpoint';
import { ledgerSigningKey } from './signing-key';

/** With the log in KurrentDB, checkpoints still live in the database (ledger_checkpoints) and verify the same way. */
describe('signed checkpoints over the KurrentDB adapter (fake client)', () => {
  let database: TestDatabase;
  let store: EventStore;
  let dataDir: string;
  let integrity: LedgerIntegrity;
  beforeAll(async () => {
    const pglite = testBackends().find((b) => b.name === 'pglite');
    if (!pglite) throw new Error('no PGlite backend');
    database = await pglite.open();
    store = await createKurrentDbEventStore(new FakeKurrentDbClient(), { pollIntervalMs: 50 });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-kurrent-checkpoint-'));
    integrity = await openLedgerIntegrity(store, database, { dataDir, key: ledgerSigningKey(dataDir, null), intervalMs: 0, everyEvents: 0 });
  }, 120_000);
  afterAll(async () => {
    await store.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs the heads, verifies a grown log, and names a stream that lost events the checkpoint signed', async () => {
    await store.append('product-1', [testEvent('ProductEdited', { n: 1 }), testEvent('ProductEdited', { n: 2 })], 'no_stream');
    await store.append('product-2', [testEvent('ProductEdited', { n: 3 })], 'no_stream');
    const checkpoint = await integrity.checkpointer.checkpointNow();
    expect(checkpoint.streams).toBe(2);
    await store.append('product-2', [testEvent('ProductEdited', { n: 4 })], 0n);
    expect(await integrity.verify()).toMatchObject({ ok: true, checkpoints: [{ signatureValid: true, consistent: true }] });

    // A checkpoint that saw product-1 one event longer than the log now is: as if its last event were removed.
    const [product2Head] = await store.readStream('product-2');
    if (!product2Head) throw new Error('fixture missing');
    const heads = [{ streamName: 'product-1', revision: 2n, hash: 'f'.repeat(64) }, { streamName: 'product-2', revision: 0n, hash: eventHash(product2Head) }];
    const longer = signCheckpoint(ledgerSigningKey(dataDir, null), heads, checkpoint.position);
    const report = await verifyLedger(store, { checkpoints: [{ source: 'given', checkpoint: longer, heads }], publicKey: integrity.publicKey });
    expect(report.ok).toBe(false);
    expect(report.checkpoints[0]?.problems).toEqual([expect.objectContaining({ kind: 'stream_truncated', streamName: 'product-1', revision: 2n })]);
  });
});
