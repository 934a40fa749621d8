import { createPublicKey, verify } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { testBackends } from '@pz/database/testing';
import { leafHash, rootFromInclusionProof } from '@pz/ledger/checkpoints/merkle';
import { startTestServer, type TestServer } from '../testing';

type Json = Record<string, unknown>;

for (const backend of testBackends()) {
  describe(`ledger integrity routes (${backend.name})`, () => {
    let server: TestServer;
    let admin: { auth: string };
    let bob: { auth: string };
    const call = async (method: 'GET' | 'POST', url: string, auth?: string) => {
      const response = await server.app.inject({ method, url, headers: auth ? { authorization: auth } : {} });
      return { status: response.statusCode, body: JSON.parse(response.body || '{}') as Json };
    };

    beforeAll(async () => {
      // The server signs by itself after 5 events (starting up appends more than that), never on a timer here.
      server = await startTestServer(backend, { LEDGER_CHECKPOINT_EVERY_EVENTS: '5', LEDGER_CHECKPOINT_INTERVAL_S: '0' });
      admin = await server.createUser('keeper', { admin: true });
      bob = await server.createUser('bob');
    }, 180_000);
    afterAll(async () => server?.stop());

    it('publishes the public key and the latest signed checkpoint to anyone, and the signature holds under that key', async () => {
      const key = await call('GET', '/api/ledger/public-key/');
      expect(key.status).toBe(200);
      expect(key.body).toMatchObject({ algorithm: 'Ed25519', key_id: server.deps.ledger.publicKey.keyId });
      expect(Buffer.from(String(key.body.public_key), 'base64')).toHaveLength(32);

      const deadline = Date.now() + 30_000;
      let latest = await call('GET', '/api/ledger/checkpoints/latest/');
      while (latest.status === 404 && Date.now() < deadline) {
        await delay(50);
        latest = await call('GET', '/api/ledger/checkpoints/latest/');
      }
      expect(latest.status).toBe(200);
      const c = latest.body;
      expect(c).toMatchObject({ format: 'pz-ledger-checkpoint/1', key_id: key.body.key_id });
      expect(Number(c.streams)).toBeGreaterThan(0);
      expect(c.note).toBe(`pz-ledger-checkpoint/1\nposition ${String(c.position)}\nstreams ${String(c.streams)}\nroot ${String(c.root)}\ntime ${String(c.time)}\nkey ${String(c.key_id)}\n`);
      const publicKey = createPublicKey(String(key.body.public_key_pem));
      expect(verify(null, Buffer.from(String(c.note)), publicKey, Buffer.from(String(c.signature), 'base64'))).toBe(true);
      expect(verify(null, Buffer.from(String(c.note).replace(/streams \d+/, 'streams 1')), publicKey, Buffer.from(String(c.signature), 'base64'))).toBe(false);
    }, 60_000);

    it('proves a stream head is in the latest checkpoint, to admins', async () => {
      await server.deps.ledger.checkpointer.checkpointNow();
      expect((await call('GET', '/api/admin/ledger/inclusion-proof/?stream=user-bob', bob.auth)).status).toBe(403);
      expect((await call('GET', '/api/admin/ledger/inclusion-proof/?stream=user-bob')).status).toBe(401);
      expect((await call('GET', '/api/admin/ledger/inclusion-proof/?stream=user-nobody', admin.auth)).status).toBe(404);
      const proof = await call('GET', '/api/admin/ledger/inclusion-proof/?stream=user-bob', admin.auth);
      expect(proof.status).toBe(200);
      const bobsHead = (await server.deps.store.readStream('user-bob')).at(-1);
      expect(proof.body.leaf).toBe(`user-bob ${bobsHead?.revision} ${bobsHead?.recordedHash}`);
      const checkpoint = proof.body.checkpoint as Json;
      const root = rootFromInclusionProof(Number(proof.body.leaf_index), Number(checkpoint.streams), leafHash(Buffer.from(String(proof.body.leaf))), (proof.body.audit_path as string[]).map((h) => Buffer.from(h, 'hex')));
      expect(root?.toString('hex')).toBe(checkpoint.root);
    }, 60_000);

    it('runs ledger verify for admins only, and reports the truncated stream once its last event is deleted', async () => {
      expect((await call('POST', '/api/admin/ledger/verify/')).status).toBe(401);
      expect((await call('POST', '/api/admin/ledger/verify/', bob.auth)).status).toBe(403);
      await server.deps.ledger.checkpointer.checkpointNow();
      const clean = await call('POST', '/api/admin/ledger/verify/', admin.auth);
      expect(clean.status).toBe(200);
      expect(clean.body).toMatchObject({ ok: true, problems: [], checkpoints: [{ source: 'database', signature_valid: true, consistent: true, problems: [] }] });
      expect(Number(clean.body.streams)).toBeGreaterThan(2);

      await sql`DELETE FROM events WHERE stream_name = 'user-bob' AND stream_revision = (SELECT max(stream_revision) FROM events WHERE stream_name = 'user-bob')`.execute(server.deps.database.kysely);
      const tampered = await call('POST', '/api/admin/ledger/verify/', admin.auth);
      expect(tampered.body).toMatchObject({ ok: false, problems: [], checkpoints: [{ signature_valid: true, consistent: false, problems: [{ stream: 'user-bob', kind: 'stream_truncated' }] }] });
    }, 60_000);
  });
}
