import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { comparePositions, type EventStore, type LogPosition } from '@pz/contracts';
import { testBackends, type TestDatabase } from '@pz/database/testing';
import { testEvent } from '../event-store-contract';
import { eventHash } from '../hash-chain';
import { openPostgresEventStore } from '../postgres/postgres-event-store';
import { verifyLedger } from '../verify-ledger';
import { CHECKPOINT_FILE } from './checkpoint-store';
import { openLedgerIntegrity, type LedgerIntegrity } from './ledger-integrity';
import { checkpointJson, signCheckpoint, type SignedCheckpoint } from './signed-checkpoint';
import { ledgerSigningKey, publicKeyOf, type LedgerSigningKey } from './signing-key';

/**
 * What the hash chain alone cannot see, caught by the signed checkpoint of the stream heads:
 * tampering straight in the tables, as someone with database access could.
 */
for (const backend of testBackends()) {
  describe(`ledger verify against a signed checkpoint (${backend.name})`, () => {
    let database: TestDatabase;
    let store: EventStore;
    let dataDir: string;
    let key: LedgerSigningKey;
    let integrity: LedgerIntegrity;
    let checkpoint: SignedCheckpoint;
    const exec = (query: ReturnType<typeof sql>) => query.execute(database.kysely);
    const failures = async () => {
      const report = await integrity.verify();
      return { ok: report.ok, chain: report.problems, checkpoint: report.checkpoints.flatMap((c) => c.problems.map((p) => ({ source: c.source, kind: p.kind, streamName: p.streamName, revision: p.revision }))) };
    };

    // One database per backend (PGlite clones are slow on a busy machine); each test starts from an emptied log.
    beforeAll(async () => {
      database = await backend.open();
      store = await openPostgresEventStore(database);
    }, 120_000);
    afterAll(async () => {
      await store.close();
      await database.drop();
    });
    beforeEach(async () => {
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-checkpoint-'));
      key = ledgerSigningKey(dataDir, null);
      integrity = await openLedgerIntegrity(store, database, { dataDir, key, intervalMs: 0, everyEvents: 0 });
      await exec(sql`TRUNCATE events, ledger_checkpoints`);
      await store.append('product-1', [0, 1, 2, 3].map((n) => testEvent('ProductEdited', { title: `v${n}` }, n)), 'no_stream');
      const last = await store.append('product-2', [testEvent('ProductEdited', { title: 'other' })], 'no_stream');
      if (!last.ok) throw new Error(last.error.message);
      await settled(last.value.position);
      checkpoint = await integrity.checkpointer.checkpointNow();
      expect(checkpoint).toMatchObject({ streams: 2, keyId: key.publicKey.keyId });
      expect(await failures()).toEqual({ ok: true, chain: [], checkpoint: [] });
    }, 60_000);
    afterEach(async () => {
      await integrity.checkpointer.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    /** On a shared PostgreSQL server another session's open transaction holds events back from readers for a while (see readSettledPage). */
    const settled = async (position: LogPosition) => {
      while (comparePositions(await store.headPosition(), position) < 0) await delay(20);
    };

    it('lets the log grow after a checkpoint, new streams included', async () => {
      await store.append('product-1', [testEvent('ProductEdited', { title: 'v4' }, 4)], 3n);
      const appended = await store.append('product-3', [testEvent('ProductEdited', { title: 'new' })], 'no_stream');
      if (!appended.ok) throw new Error(appended.error.message);
      expect(await failures()).toEqual({ ok: true, chain: [], checkpoint: [] });
      await settled(appended.value.position);
      const next = await integrity.checkpointer.checkpointNow();
      expect(next.streams).toBe(3);
      expect(await failures()).toEqual({ ok: true, chain: [], checkpoint: [] });
    });

    it('catches the last events of a stream removed, which leave a valid shorter chain', async () => {
      await exec(sql`DELETE FROM events WHERE stream_name = 'product-1' AND stream_revision >= 2`);
      // The chain alone passes it: this is the gap the checkpoint closes.
      expect((await verifyLedger(store)).ok).toBe(true);
      const found = await failures();
      expect(found.ok).toBe(false);
      expect(found.chain).toEqual([]);
      expect(found.checkpoint).toEqual([{ source: 'database', kind: 'stream_truncated', streamName: 'product-1', revision: 3n }]);
    });

    it('catches a truncated stream that was then grown back to the same length with other events', async () => {
      await exec(sql`DELETE FROM events WHERE stream_name = 'product-1' AND stream_revision = 3`);
      await store.append('product-1', [testEvent('ProductEdited', { title: 'rewritten' }, 9)], 2n);
      const found = await failures();
      expect(found.chain).toEqual([]);
      expect(found.checkpoint).toContainEqual(expect.objectContaining({ source: 'database', kind: 'head_changed', streamName: 'product-1', revision: 3n }));
    });

    it('catches the last event edited with its recorded hash recomputed (no successor to break the link)', async () => {
      const last = (await store.readStream('product-1')).at(-1);
      if (!last) throw new Error('fixture missing');
      const forged = { ...last, data: { title: 'forged', n: 3 } };
      await exec(sql`UPDATE events SET data = '{"title":"forged","n":3}'::jsonb, hash = ${eventHash(forged)} WHERE stream_name = 'product-1' AND stream_revision = 3`);
      expect((await verifyLedger(store)).ok).toBe(true);
      const found = await failures();
      expect(found.ok).toBe(false);
      expect(found.checkpoint).toContainEqual({ source: 'database', kind: 'head_changed', streamName: 'product-1', revision: 3n });
    });

    it('catches a whole stream removed', async () => {
      await exec(sql`DELETE FROM events WHERE stream_name = 'product-2'`);
      expect((await verifyLedger(store)).ok).toBe(true);
      const found = await failures();
      expect(found.checkpoint).toContainEqual({ source: 'database', kind: 'stream_missing', streamName: 'product-2', revision: 0n });
      expect(found.ok).toBe(false);
    });

    it('catches the truncation when the checkpoint table was emptied too, by the copy in the data folder', async () => {
      await exec(sql`DELETE FROM events WHERE stream_name = 'product-1' AND stream_revision = 3`);
      await exec(sql`DELETE FROM ledger_checkpoints`);
      const found = await failures();
      expect(found.ok).toBe(false);
      expect(found.checkpoint).toEqual([{ source: 'file', kind: 'root_mismatch', streamName: null, revision: null }]);
    });

    it('refuses a checkpoint forged without the key: re-signed by another key, or with its root changed', async () => {
      await exec(sql`DELETE FROM events WHERE stream_name = 'product-1' AND stream_revision = 3`);
      // A forger re-signs the truncated log's heads with a key of their own, in the table and the file.
      const { privateKey } = generateKeyPairSync('ed25519');
      const forgerKey = { privateKey, publicKey: publicKeyOf(createPublicKey(privateKey)) };
      const heads = [{ streamName: 'product-1', revision: 2n, hash: eventHash((await store.readStream('product-1'))[2] as Parameters<typeof eventHash>[0]) }, { streamName: 'product-2', revision: 0n, hash: eventHash((await store.readStream('product-2'))[0] as Parameters<typeof eventHash>[0]) }];
      const forged = signCheckpoint(forgerKey, heads, (await store.headPosition()));
      await integrity.checkpoints.save(forged, heads);
      writeFileSync(path.join(dataDir, CHECKPOINT_FILE), JSON.stringify(checkpointJson(forged)));
      let found = await failures();
      expect(found.ok).toBe(false);
      expect(found.checkpoint).toEqual([{ source: 'database', kind: 'bad_signature', streamName: null, revision: null }]);

      // ... or keeps the ledger's key id and changes the root: the signature no longer holds.
      const sameKeyId = { ...forged, keyId: key.publicKey.keyId, signature: checkpoint.signature };
      await exec(sql`DELETE FROM ledger_checkpoints`);
      await integrity.checkpoints.save(sameKeyId, heads);
      found = await failures();
      expect(found.checkpoint).toEqual([{ source: 'database', kind: 'bad_signature', streamName: null, revision: null }]);
    });

    it('fails closed when the key to check with is gone', async () => {
      const report = await verifyLedger(store, { checkpoints: [{ source: 'given', checkpoint, heads: null }], publicKey: null });
      expect(report.ok).toBe(false);
      expect(report.checkpoints[0]?.problems).toEqual([expect.objectContaining({ kind: 'no_public_key' })]);
    });
  });
}
