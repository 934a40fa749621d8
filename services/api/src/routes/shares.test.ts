import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamName } from '@pz/contracts';
import { testBackends } from '@pz/database/testing';
import { productDecider } from '@pz/domain';
import { newSecretKey, sha256Hex } from '../auth/secrets';
import { systemContext } from '../commands/command-context';
import { attachTestFile, hasPython, inspectZip } from '../downloads/testing';
import { startTestServer, type TestServer } from '../testing';

type Json = Record<string, unknown>;
type User = { auth: string; userId: number };

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const mainCsv = Buffer.from('ID,RA,DEC,Z\n1,1.0,2.0,0.5\n');
const extra = Buffer.from('auxiliary notes\n');

for (const backend of testBackends()) {
  describe(`share links (${backend.name})`, () => {
    let server: TestServer;
    let alice: User;
    let bob: User;
    let admin: User;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pz-shares-'));

    const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, auth?: string, payload?: Json) => {
      const response = await server.app.inject({ method, url, payload, headers: auth ? { authorization: auth } : {} });
      const isJson = String(response.headers['content-type'] ?? '').startsWith('application/json');
      return { status: response.statusCode, body: (isJson ? JSON.parse(response.body) : {}) as Json, raw: response.rawPayload, headers: response.headers };
    };
    const sharedPath = (url: unknown) => {
      expect(String(url)).toMatch(/^http:\/\/pz\.test\/api\/shared\/[0-9a-f]{40}\/$/);
      return String(url).slice('http://pz.test'.length);
    };
    const product = async (owner: User, name: string) => {
      const created = await call('POST', '/api/products/', owner.auth, { display_name: name, product_type: 'training_set' });
      expect(created.status).toBe(201);
      const id = created.body.id as number;
      await attachTestFile(server.deps, id, owner.userId, { name: 'train.csv', role: 0, content: mainCsv, mimeType: 'text/csv' });
      await attachTestFile(server.deps, id, owner.userId, { name: 'notes.txt', role: 2, content: extra, mimeType: 'text/plain' });
      return id;
    };

    beforeAll(async () => {
      server = await startTestServer(backend);
      alice = await server.createUser('alice');
      bob = await server.createUser('bob');
      admin = await server.createUser('curator', { admin: true });
    });
    afterAll(async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('lets anyone holding the key, without an account, read the product and download its zip; only the key\'s hash is kept', async () => {
      const id = await product(alice, 'Shared Sample');
      const created = await call('POST', `/api/products/${id}/shares/`, alice.auth, {});
      expect(created.status).toBe(201);
      const key = String(created.body.key);
      expect(created.body).toMatchObject({ id: expect.any(String), expires_at: null, url: `http://pz.test/api/shared/${key}/` });

      const shared = await call('GET', sharedPath(created.body.url));
      expect(shared.status).toBe(200);
      expect(shared.body).toMatchObject({ id, display_name: 'Shared Sample', is_owner: false, can_update: false, download_url: `http://pz.test/api/shared/${key}/download/` });
      expect((shared.body.files as Json[]).map((f) => [f.name, f.role_name, f.size, f.sha256])).toEqual([
        ['train.csv', 'main', mainCsv.length, sha256(mainCsv)],
        ['notes.txt', 'auxiliary', extra.length, sha256(extra)],
      ]);

      const zip = await call('GET', `/api/shared/${key}/download/`);
      expect(zip.status).toBe(200);
      expect(zip.headers['content-type']).toBe('application/zip');
      const part = await server.app.inject({ method: 'GET', url: `/api/shared/${key}/download/`, headers: { range: 'bytes=0-3' } });
      expect(part.statusCode).toBe(206);
      expect(part.rawPayload.equals(zip.raw.subarray(0, 4))).toBe(true);
      if (hasPython) {
        const file = path.join(dir, `${randomBytes(4).toString('hex')}.zip`);
        writeFileSync(file, zip.raw);
        const entries = await inspectZip(file);
        expect(entries.map((e) => [e.name, e.sha256])).toEqual([['product_metadata.yaml', expect.any(String)], ['train.csv', sha256(mainCsv)], ['notes.txt', sha256(extra)]]);
      }

      const rows = await server.deps.catalogue.selectFrom('product_shares').selectAll().where('product_id', '=', id).execute();
      expect(rows.map((r) => r.key_hash)).toEqual([sha256Hex(key)]);
      const events = await server.deps.store.readStream(streamName('product', id));
      expect(JSON.stringify(events.map((e) => e.data))).not.toContain(key);

      expect((await call('GET', `/api/shared/${newSecretKey()}/`)).body.detail).toMatch(/does not exist/);
      expect((await call('GET', `/api/shared/${newSecretKey()}/download/`)).status).toBe(404);
      expect((await call('GET', '/api/shared/')).status).toBe(404);
      expect((await call('GET', `/api/products/${id}/`)).status).toBe(401);
      expect((await call('GET', `/api/products/${id}/download/`)).status).toBe(401);
    });

    it('lists the links without their keys, and a revoked link stops working at once', async () => {
      const id = await product(alice, 'Revocable');
      const first = await call('POST', `/api/products/${id}/shares/`, alice.auth, {});
      const second = await call('POST', `/api/products/${id}/shares/`, admin.auth, { expires_at: new Date(Date.now() + 86_400_000).toISOString() });
      expect(second.status).toBe(201);
      const listed = await call('GET', `/api/products/${id}/shares/`, alice.auth);
      expect(listed.status).toBe(200);
      expect(listed.body.count).toBe(2);
      expect((listed.body.results as Json[]).map((s) => s.id).sort()).toEqual([first.body.id, second.body.id].sort());
      expect((listed.body.results as Json[]).every((s) => s.status === 'active' && !('key' in s))).toBe(true);
      expect(JSON.stringify(listed.body)).not.toContain(String(first.body.key));

      expect((await call('DELETE', `/api/products/${id}/shares/${first.body.id}/`, alice.auth)).status).toBe(204);
      const revoked = await call('GET', sharedPath(first.body.url));
      expect(revoked.status).toBe(404);
      expect(revoked.body.detail).toMatch(/revoked/);
      expect((await call('GET', `${sharedPath(first.body.url)}download/`)).status).toBe(404);
      expect((await call('GET', sharedPath(second.body.url))).status).toBe(200);
      const after = await call('GET', `/api/products/${id}/shares/`, admin.auth);
      expect((after.body.results as Json[]).find((s) => s.id === first.body.id)?.status).toBe('revoked');
      const unknown = await call('DELETE', `/api/products/${id}/shares/${randomUUID()}/`, alice.auth);
      expect(unknown.status).toBe(404);
    });

    it('refuses an expired link with a message saying so', async () => {
      const id = await product(alice, 'Expiring');
      const key = newSecretKey();
      // The API refuses an expiry in the past, so the link is recorded as it would look later.
      const shared = await server.deps.bus.execute(productDecider, streamName('product', id), {
        type: 'ShareProduct', caller: { userId: alice.userId, isAdmin: false }, shareId: randomUUID(), keyHash: sha256Hex(key), expiresAt: new Date(Date.now() - 1000).toISOString(),
      }, systemContext(randomUUID()));
      expect(shared.ok).toBe(true);
      const expired = await call('GET', `/api/shared/${key}/`);
      expect(expired.status).toBe(404);
      expect(expired.body.detail).toMatch(/expired at \d{4}-/);
      expect((await call('GET', `/api/shared/${key}/download/`)).status).toBe(404);
      expect(((await call('GET', `/api/products/${id}/shares/`, alice.auth)).body.results as Json[])[0]?.status).toBe('expired');
    });

    it('lets only the owner or an admin create, list and revoke links', async () => {
      const id = await product(alice, 'Owned');
      expect((await call('POST', `/api/products/${id}/shares/`, undefined, {})).status).toBe(401);
      const denied = await call('POST', `/api/products/${id}/shares/`, bob.auth, {});
      expect(denied.status).toBe(403);
      expect(denied.body.error).toMatch(/only the owner of this product or an admin/);
      expect((await call('GET', `/api/products/${id}/shares/`, bob.auth)).status).toBe(403);
      const share = await call('POST', `/api/products/${id}/shares/`, alice.auth, {});
      expect((await call('DELETE', `/api/products/${id}/shares/${share.body.id}/`, bob.auth)).status).toBe(403);
      expect((await call('GET', sharedPath(share.body.url))).status).toBe(200);
      expect((await call('DELETE', `/api/products/${id}/shares/${share.body.id}/`, admin.auth)).status).toBe(204);
      expect((await call('GET', sharedPath(share.body.url))).status).toBe(404);
    });

    it('checks expires_at, and a deleted product\'s links stop working', async () => {
      const id = await product(alice, 'Validated');
      for (const expires_at of ['tomorrow', '2001-01-01T00:00:00Z']) {
        const r = await call('POST', `/api/products/${id}/shares/`, alice.auth, { expires_at });
        expect(r.status, expires_at).toBe(400);
        expect(r.body.field).toBe('expires_at');
      }
      // An unknown field is ignored (issue 15: as DRF does); a wrong type is still refused.
      expect((await call('POST', `/api/products/${id}/shares/`, alice.auth, { expires_at: 17 })).status).toBe(400);
      const share = await call('POST', `/api/products/${id}/shares/`, alice.auth, { expires_at: '2999-12-31' });
      expect(share.body.expires_at).toBe('2999-12-31T00:00:00.000Z');
      const bare = await call('POST', `/api/products/${id}/shares/`, alice.auth);
      expect(bare.status).toBe(201);
      expect(bare.body.expires_at).toBeNull();
      expect((await call('DELETE', `/api/products/${id}/`, alice.auth)).status).toBe(204);
      const gone = await call('GET', sharedPath(share.body.url));
      expect(gone.status).toBe(404);
      expect(gone.body.detail).toMatch(/deleted/);
      expect((await call('POST', `/api/products/${id}/shares/`, alice.auth, {})).status).toBe(409);
    });

    it('moves the ETag to the stream revision on share and revoke, so If-Match with it succeeds; prepared download links keep working', async () => {
      const id = await product(alice, 'Shared Then Edited');
      const patch = async (ifMatch: string, description: string) => {
        const response = await server.app.inject({ method: 'PATCH', url: `/api/products/${id}/`, payload: { description }, headers: { authorization: alice.auth, 'if-match': ifMatch } });
        return { status: response.statusCode, etag: response.headers.etag };
      };
      const streamEtag = async () => `"${(await server.deps.store.readStream(streamName('product', id))).length - 1}"`;
      const etagNow = async () => {
        const read = await call('GET', `/api/products/${id}/`, alice.auth);
        expect(read.body.revision).toBe(Number(String(read.headers.etag).replace(/"/g, '')));
        return String(read.headers.etag);
      };
      const prepare = async (kind: 'download' | 'download/main-file') => {
        let state = await call('POST', `/api/products/${id}/${kind}/prepare/`, alice.auth);
        while (state.body.status !== 'ready') state = await call('GET', `/api/products/${id}/${kind}/status/`, alice.auth);
        return String(state.body.download_url).slice('http://pz.test'.length);
      };
      const zipLink = await prepare('download');
      const mainLink = await prepare('download/main-file');
      const beforeShare = await etagNow();

      const share = await call('POST', `/api/products/${id}/shares/`, alice.auth, {});
      expect(share.status).toBe(201);
      const afterShare = await etagNow();
      expect(afterShare).not.toBe(beforeShare);
      expect(afterShare).toBe(await streamEtag());
      expect((await patch(beforeShare, 'stale')).status).toBe(412);
      // The links were prepared before the share: sharing changes no byte of the downloads.
      expect((await call('GET', zipLink)).status).toBe(200);
      expect((await call('GET', mainLink)).status).toBe(200);

      expect((await call('DELETE', `/api/products/${id}/shares/${String(share.body.id)}/`, alice.auth)).status).toBe(204);
      const afterRevoke = await etagNow();
      expect(afterRevoke).toBe(await streamEtag());
      expect((await call('GET', zipLink)).status).toBe(200);

      const edited = await patch(afterRevoke, 'edited after sharing');
      expect(edited.status).toBe(200);
      expect(edited.etag).toBe(await streamEtag());
      // The zip holds the description (product_metadata.yaml), the main file does not.
      expect((await call('GET', zipLink)).status).toBe(403);
      expect((await call('GET', mainLink)).status).toBe(200);
    });
  });
}
