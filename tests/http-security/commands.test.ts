import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamName } from '@pz/contracts';
import { testBackends } from '@pz/database/testing';
import { startTestServer, type TestServer } from '../../services/api/src/testing';

type Json = Record<string, unknown>;

for (const backend of testBackends()) {
  describe(`commands: idempotency keys, atomic PATCH, If-Match, body ids (${backend.name})`, () => {
    let server: TestServer;
    let alice: { auth: string };
    let admin: { auth: string };
    const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, auth: string, payload?: Json, headers: Record<string, string> = {}) => {
      const response = await server.app.inject({ method, url, payload, headers: { authorization: auth, ...headers } });
      return { status: response.statusCode, body: JSON.parse(response.body || '{}') as Json, headers: response.headers };
    };
    const create = async (name: string, type = 'other') => {
      const created = await call('POST', '/api/products/', alice.auth, { display_name: name, product_type: type });
      expect(created.status).toBe(201);
      return created.body.id as number;
    };
    const eventCount = async (id: number) => (await server.deps.store.readStream(streamName('product', id))).length;

    beforeAll(async () => {
      server = await startTestServer(backend);
      alice = await server.createUser('alice');
      admin = await server.createUser('coordinator', { admin: true });
    }, 180_000);
    afterAll(async () => server.stop());

    it('refuses an Idempotency-Key reused on a different request with 422, and answers the same request retried as before', async () => {
      const id = await create('Keyed');
      const key = { 'idempotency-key': `reuse-${backend.name}-0001` };
      const edited = await call('PATCH', `/api/products/${id}/`, alice.auth, { description: 'once' }, key);
      expect(edited.status).toBe(200);
      const events = await eventCount(id);
      // The same request again: success, nothing new recorded.
      expect((await call('PATCH', `/api/products/${id}/`, alice.auth, { description: 'once' }, key)).status).toBe(200);
      expect(await eventCount(id)).toBe(events);
      // The same key on another command of the same product: it used to answer 204 and do nothing.
      const deleted = await call('DELETE', `/api/products/${id}/`, alice.auth, undefined, key);
      expect(deleted.status).toBe(422);
      expect(deleted.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      const changed = await call('PATCH', `/api/products/${id}/`, alice.auth, { description: 'another' }, key);
      expect(changed.status).toBe(422);
      expect((await call('GET', `/api/products/${id}/`, alice.auth)).body).toMatchObject({ status: 0, description: 'once' });
      expect(await eventCount(id)).toBe(events);
      // A create retried with its key lands on its product; the key on another create is refused.
      const createKey = { 'idempotency-key': `reuse-${backend.name}-0002` };
      const first = await call('POST', '/api/products/', alice.auth, { display_name: 'Made once', product_type: 'other' }, createKey);
      const retried = await call('POST', '/api/products/', alice.auth, { display_name: 'Made once', product_type: 'other' }, createKey);
      expect([first.status, retried.status]).toEqual([201, 201]);
      expect(retried.body.id).toBe(first.body.id);
      expect((await call('POST', '/api/products/', alice.auth, { display_name: 'Something else', product_type: 'other' }, createKey)).status).toBe(422);
    });

    it('refuses a key reused on ANOTHER product (the events of each stream alone could not see it), and frees the key of a refused request', async () => {
      const first = await create('Key first');
      const second = await create('Key second');
      const key = { 'idempotency-key': `reuse-${backend.name}-cross-0001` };
      expect((await call('PATCH', `/api/products/${first}/`, alice.auth, { description: 'first' }, key)).status).toBe(200);
      const events = await eventCount(second);
      const reused = await call('PATCH', `/api/products/${second}/`, alice.auth, { description: 'first' }, key);
      expect(reused.status).toBe(422);
      expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await eventCount(second)).toBe(events);
      // Another user's key of the same text is another key.
      expect((await call('PATCH', `/api/products/${second}/`, admin.auth, { description: 'by the admin' }, key)).status).toBe(200);
      // A request refused (nothing recorded) leaves its key free for the corrected request.
      const fresh = { 'idempotency-key': `reuse-${backend.name}-cross-0002` };
      expect((await call('PATCH', `/api/products/${first}/`, alice.auth, { official_product: true }, fresh)).status).toBe(403);
      expect((await call('PATCH', `/api/products/${first}/`, alice.auth, { description: 'corrected' }, fresh)).status).toBe(200);
      expect((await call('GET', `/api/products/${first}/`, alice.auth)).body).toMatchObject({ description: 'corrected' });
    });

    it('revokes nothing when a share revoke reuses a key: 422, the link stays as it was and the caller knows', async () => {
      const id = await create('Shared');
      const share = await call('POST', `/api/products/${id}/shares/`, alice.auth, {});
      const key = { 'idempotency-key': `reuse-${backend.name}-0003` };
      expect((await call('PATCH', `/api/products/${id}/`, alice.auth, { display_name: 'Shared 2' }, key)).status).toBe(200);
      expect((await call('DELETE', `/api/products/${id}/shares/${share.body.id}/`, alice.auth, undefined, key)).status).toBe(422);
      expect((await call('DELETE', `/api/products/${id}/shares/${share.body.id}/`, alice.auth)).status).toBe(204);
    });

    it('applies a PATCH whole or not at all', async () => {
      const id = await create('Atomic', 'training_set');
      const events = await eventCount(id);
      const forbidden = await call('PATCH', `/api/products/${id}/`, alice.auth, { display_name: 'x', official_product: true });
      expect(forbidden.status).toBe(403);
      const unpublishable = await call('PATCH', `/api/products/${id}/`, alice.auth, { display_name: 'y', status: 1 });
      expect(unpublishable.status).toBe(406);
      expect((await call('GET', `/api/products/${id}/`, alice.auth)).body.display_name).toBe('Atomic');
      expect(await eventCount(id)).toBe(events);
      // All parts allowed: all applied, in one append.
      const both = await call('PATCH', `/api/products/${id}/`, admin.auth, { display_name: 'z', official_product: true });
      expect(both.status).toBe(200);
      expect(both.body).toMatchObject({ display_name: 'z', official_product: true });
      expect(await eventCount(id)).toBe(events + 2);
    });

    it('guards a whole PATCH with If-Match: 412 on a stale revision, 400 on a malformed one', async () => {
      const id = await create('Guarded');
      const etag = String((await call('GET', `/api/products/${id}/`, alice.auth)).headers.etag);
      const events = await eventCount(id);
      for (const malformed of ['12abc', '"1', 'W/"0"', '"0", "1"', 'yes']) {
        const refused = await call('PATCH', `/api/products/${id}/`, alice.auth, { display_name: 'bad' }, { 'if-match': malformed });
        expect(refused.status, malformed).toBe(400);
        expect(refused.body.field).toBe('If-Match');
      }
      expect(await eventCount(id)).toBe(events);
      const edited = await call('PATCH', `/api/products/${id}/`, admin.auth, { display_name: 'first', official_product: true }, { 'if-match': etag });
      expect(edited.status).toBe(200);
      const stale = await call('PATCH', `/api/products/${id}/`, admin.auth, { display_name: 'second', official_product: false }, { 'if-match': etag });
      expect(stale.status).toBe(412);
      expect((await call('GET', `/api/products/${id}/`, alice.auth)).body).toMatchObject({ display_name: 'first', official_product: true });
      expect((await call('PATCH', `/api/products/${id}/`, alice.auth, { description: 'any' }, { 'if-match': '*' })).status).toBe(200);
    });

    it('answers body ids beyond PostgreSQL integers with 400 naming the field, never 500', async () => {
      const id = await create('Ids');
      for (const big of [2 ** 31, 2 ** 53, '99999999999']) {
        const type = await call('POST', '/api/products/', alice.auth, { display_name: 'big', product_type: big });
        expect(type.status, `product_type ${big}`).toBe(400);
        expect(type.body.field).toBe('product_type');
        const release = await call('POST', '/api/products/', alice.auth, { display_name: 'big', product_type: 'training_set', release: big });
        expect(release.status, `release ${big}`).toBe(400);
        expect(release.body.field).toBe('release');
        const parents = await call('PATCH', `/api/products/${id}/`, alice.auth, { derived_from: [typeof big === 'string' ? 2 ** 31 : big] });
        expect(parents.status, `derived_from ${big}`).toBe(400);
        expect(parents.body.field).toBe('derived_from');
      }
      expect((await call('POST', '/api/products/shares/', alice.auth, {})).status).toBeLessThan(500);
    });

    it('refuses an expiry date that does not exist (2030-02-30), naming expires_at', async () => {
      const id = await create('Expiring');
      for (const day of ['2030-02-30', '2030-02-30T10:00:00Z', '2031-04-31', '2030-13-01']) {
        const refused = await call('POST', `/api/products/${id}/shares/`, alice.auth, { expires_at: day });
        expect(refused.status, day).toBe(400);
        expect(refused.body.field).toBe('expires_at');
      }
      expect((await call('POST', `/api/products/${id}/shares/`, alice.auth, { expires_at: '2032-02-29' })).status).toBe(201);
    });
  });
}
