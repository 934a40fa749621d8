import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { startTestServer, type TestServer } from '../testing';

type Json = Record<string, unknown>;

for (const backend of testBackends()) {
  describe(`products API (${backend.name})`, () => {
    let server: TestServer;
    let alice: { auth: string; userId: number };
    let bob: { auth: string; userId: number };
    let admin: { auth: string; userId: number };

    const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'OPTIONS' | 'PUT', url: string, auth?: string, payload?: Json, headers: Record<string, string> = {}) => {
      const response = await server.app.inject({ method, url, payload, headers: { ...(auth ? { authorization: auth } : {}), ...headers } });
      const body = response.body ? (JSON.parse(response.body) as Json) : {};
      return { status: response.statusCode, body, headers: response.headers };
    };
    const create = async (auth: string, payload: Json) => call('POST', '/api/products/', auth, payload);

    beforeAll(async () => {
      server = await startTestServer(backend);
      alice = await server.createUser('alice');
      bob = await server.createUser('bob');
      admin = await server.createUser('coordinator', { admin: true });
    });
    afterAll(async () => server.stop());

    it('answers the API root only for a valid token, and treats // as /', async () => {
      expect((await call('GET', '/api/')).status).toBe(401);
      const bad = await call('GET', '/api/', 'Token 0123456789abcdef');
      expect(bad.status).toBe(401);
      expect(bad.body.detail).toBe('Invalid token.');
      expect((await call('GET', '/api/', 'Bearer x')).status).toBe(401);
      expect((await call('GET', '/api/', alice.auth)).status).toBe(200);
      expect((await call('GET', '/api//product-types/', alice.auth)).status).toBe(200);
    });

    it('serves the seeded product types and the DP1 release, read-only', async () => {
      const types = await call('GET', '/api/product-types/', alice.auth);
      expect((types.body.results as Json[]).map((t) => t.name)).toEqual(['redshift_catalog', 'training_set', 'training_results', 'validation_results', 'photoz_estimates', 'object_catalog', 'other']);
      expect((types.body.results as Json[])[0]).toMatchObject({ id: 1, display_name: 'Reference Redshift Catalog', created_at: expect.stringMatching(/Z$/) });
      const byName = await call('GET', '/api/product-types/?name=training_set', alice.auth);
      expect(byName.body.count).toBe(1);
      const releases = await call('GET', '/api/releases/', alice.auth);
      expect((releases.body.results as Json[]).map((r) => r.name)).toContain('DP1');
      expect((await call('POST', '/api/product-types/', alice.auth, { name: 'x' })).status).toBe(405);
      expect((await call('DELETE', '/api/releases/1/', admin.auth)).status).toBe(405);
    });

    it('registers a product with the internal_name rule and the pzserver fields', async () => {
      const r = await create(alice.auth, { display_name: 'My Spec-z Sample 01', product_type: 'redshift_catalog', description: 'test' });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({
        display_name: 'My Spec-z Sample 01', internal_name: `${r.body.id}_my_specz_sample_01`, status: 0, product_status: 'Registering',
        product_type_internal_name: 'redshift_catalog', product_type_name: 'Reference Redshift Catalog', uploaded_by: 'alice', is_owner: true,
        can_update: true, can_delete: true, official_product: false, origin: 'Upload', release: null, release_name: null,
      });
      expect(String(r.body.created_at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const asBob = await call('GET', `/api/products/${r.body.id}/`, bob.auth);
      expect(asBob.body).toMatchObject({ is_owner: false, can_update: false, can_delete: false });
      const byType = await create(alice.auth, { display_name: 'By type id', product_type: 2, release: 'DP1' });
      expect(byType.body).toMatchObject({ product_type_internal_name: 'training_set', release_name: 'LSST DP1', release: 1 });
    });

    it('enforces the per-type rules and names the offending field', async () => {
      const withRelease = await create(alice.auth, { display_name: 'x', product_type: 'redshift_catalog', release: 'DP1' });
      expect(withRelease.status).toBe(400);
      expect(withRelease.body).toMatchObject({ field: 'release' });
      const pzCode = await create(alice.auth, { display_name: 'x', product_type: 'training_set', pz_code: 'bpz' });
      expect(pzCode.status).toBe(400);
      expect(pzCode.body.field).toBe('pz_code');
      const unknownType = await create(alice.auth, { display_name: 'x', product_type: 'nope' });
      expect(unknownType.status).toBe(400);
      expect(unknownType.body.field).toBe('product_type');
      const unknownRelease = await create(alice.auth, { display_name: 'x', product_type: 'training_set', release: 'DP9' });
      expect(unknownRelease.body).toMatchObject({ field: 'release' });
      expect((await create(alice.auth, { display_name: '', product_type: 'other' })).body.field).toBe('display_name');
      expect((await create(alice.auth, { display_name: 'a\u0007b', product_type: 'other' })).status).toBe(400);
      expect((await create(alice.auth, { display_name: 'x'.repeat(10_000), product_type: 'other' })).status).toBe(400);
      // Unknown fields are ignored as DRF does (issue 15), and never stored.
      const extra = await create(alice.auth, { display_name: 'x', product_type: 'other', surprise: 1 });
      expect(extra.status).toBe(201);
      expect(extra.body).not.toHaveProperty('surprise');
      const ok = await create(alice.auth, { display_name: 'estimates', product_type: 'photoz_estimates', pz_code: 'bpz', release: 1 });
      expect(ok.status).toBe(201);
    });

    it('lets only admins create or flag official products (403 with an error key)', async () => {
      const denied = await create(alice.auth, { display_name: 'Official?', product_type: 'other', official_product: true });
      expect(denied.status).toBe(403);
      expect(denied.body.error).toMatch(/admin/);
      const granted = await create(admin.auth, { display_name: 'Official', product_type: 'other', official_product: true });
      expect(granted.status).toBe(201);
      expect(granted.body.official_product).toBe(true);
      const mine = await create(alice.auth, { display_name: 'Flag me', product_type: 'other' });
      expect((await call('PATCH', `/api/products/${mine.body.id}/`, alice.auth, { official_product: true })).status).toBe(403);
      expect((await call('PATCH', `/api/products/${mine.body.id}/`, admin.auth, { official_product: true })).body.official_product).toBe(true);
      expect((await call('PATCH', `/api/products/${mine.body.id}/`, admin.auth, { official_product: false })).body.official_product).toBe(false);
    });

    it('applies the permission matrix to every write (anonymous 401, other user 403, owner and admin allowed)', async () => {
      const p = await create(alice.auth, { display_name: 'Matrix', product_type: 'other' });
      const url = `/api/products/${p.body.id}/`;
      expect((await call('PATCH', url, undefined, { display_name: 'x' })).status).toBe(401);
      expect((await call('PATCH', url, bob.auth, { display_name: 'x' })).status).toBe(403);
      expect((await call('DELETE', url, bob.auth)).status).toBe(403);
      expect((await call('PATCH', url, alice.auth, { display_name: 'Matrix 2' })).body.display_name).toBe('Matrix 2');
      expect((await call('PATCH', url, admin.auth, { description: 'by admin' })).body.description).toBe('by admin');
      expect((await call('DELETE', url, undefined)).status).toBe(401);
      expect((await call('DELETE', url, alice.auth)).status).toBe(204);
    });

    it('refuses to publish until the roles the type requires are mapped (406 naming them)', async () => {
      const p = await create(alice.auth, { display_name: 'Needs columns', product_type: 'redshift_catalog' });
      const r = await call('PATCH', `/api/products/${p.body.id}/`, alice.auth, { status: 1 });
      expect(r.status).toBe(406);
      expect(r.body.detail).toMatch(/RA, Dec, z/);
      const other = await create(alice.auth, { display_name: 'No main file', product_type: 'other' });
      expect((await call('PATCH', `/api/products/${other.body.id}/`, alice.auth, { status: 1 })).status).toBe(400);
    });

    it('soft-deletes: hidden from lists and from others, visible to the owner with status=2', async () => {
      const p = await create(alice.auth, { display_name: 'Doomed product', product_type: 'other' });
      expect((await call('DELETE', `/api/products/${p.body.id}/`, alice.auth)).status).toBe(204);
      expect((await call('GET', `/api/products/${p.body.id}/`, bob.auth)).status).toBe(404);
      expect((await call('GET', `/api/products/${p.body.id}/`, alice.auth)).body.status).toBe(2);
      const list = await call('GET', '/api/products/?product_name=Doomed', alice.auth);
      expect(list.body.count).toBe(0);
      const deleted = await call('GET', '/api/products/?status=2&product_name=Doomed', alice.auth);
      expect(deleted.body.count).toBe(1);
      expect((await call('GET', '/api/products/?status=2&product_name=Doomed', bob.auth)).body.count).toBe(0);
      expect((await call('GET', '/api/products/?status=2&product_name=Doomed', admin.auth)).body.count).toBe(1);
      expect((await call('PATCH', `/api/products/${p.body.id}/`, alice.auth, { display_name: 'back?' })).status).toBe(409);
    });

    it('filters, searches, orders and paginates the list', async () => {
      const tag = `flt${Date.now() % 100000}`;
      await create(alice.auth, { display_name: `${tag} alpha catalog`, product_type: 'redshift_catalog' });
      await create(bob.auth, { display_name: `${tag} beta training`, product_type: 'training_set', release: 'DP1' });
      await create(bob.auth, { display_name: `${tag} gamma estimates`, product_type: 'photoz_estimates', release: 'DP1' });
      const names = async (query: string, auth = alice.auth) => {
        const r = await call('GET', `/api/products/?product_name=${tag}&${query}`, auth);
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        return (r.body.results as Json[]).map((p) => String(p.display_name).replace(`${tag} `, ''));
      };
      expect(await names('ordering=display_name')).toEqual(['alpha catalog', 'beta training', 'gamma estimates']);
      expect(await names('ordering=-display_name')).toEqual(['gamma estimates', 'beta training', 'alpha catalog']);
      expect(await names('product_type=training_set')).toEqual(['beta training']);
      expect((await names('product_type__in=training_set,redshift_catalog&ordering=id')).length).toBe(2);
      expect(await names('release__isnull=true')).toEqual(['alpha catalog']);
      expect((await names('release=DP1')).length).toBe(2);
      expect(await names('uploaded_by=alice')).toEqual(['alpha catalog']);
      expect(await names('product_type_name=training,set')).toEqual(['beta training']);
      expect(await names('product_type_name__or=training,redshift&ordering=display_name')).toEqual(['alpha catalog', 'beta training']);
      expect(await names('product_name__or=alpha,gamma&ordering=display_name')).toEqual(['alpha catalog', 'gamma estimates']);
      expect(await names('search=bob gamma')).toEqual(['gamma estimates']);
      expect(await names(`user=${bob.userId}&ordering=display_name`)).toEqual(['beta training', 'gamma estimates']);
      const paged = await call('GET', `/api/products/?product_name=${tag}&ordering=display_name&page=2&page_size=2`, alice.auth);
      expect(paged.body.count).toBe(3);
      expect((paged.body.results as Json[]).map((p) => p.display_name)).toEqual([`${tag} gamma estimates`]);
      const sqlish = await call('GET', `/api/products/?search=${encodeURIComponent("'; DROP TABLE products; --")}`, alice.auth);
      expect(sqlish.status).toBe(200);
      expect(sqlish.body.count).toBe(0);
      expect((await call('GET', '/api/products/?search=%25', alice.auth)).body.count).toBe(0);
      expect((await call('GET', '/api/products/?page_size=5000', alice.auth)).body.field).toBe('page_size');
      expect((await call('GET', '/api/products/?colour=red', alice.auth)).body.field).toBe('colour');
      expect((await call('GET', '/api/products/?ordering=owner_password', alice.auth)).body.field).toBe('ordering');
    });

    it('describes every accepted filter in OPTIONS, and each described filter is accepted', async () => {
      const meta = await call('OPTIONS', '/api/products/', alice.auth);
      const filters = (meta.body.filter_classes as { name: string }[]).map((f) => f.name);
      for (const name of ['internal_name', 'display_name', 'release', 'product_type', 'official_product', 'status', 'user', 'release__isnull', 'uploaded_by', 'uploaded_by__or', 'product_type_name', 'release_name', 'product_name', 'product_name__or', 'product_type__in']) {
        expect(filters).toContain(name);
      }
      for (const name of filters) {
        const value = name.endsWith('isnull') || name.startsWith('official') ? 'true' : name.startsWith('status') || name.startsWith('id') || name.startsWith('user__') || name === 'user' ? '1' : 'x';
        expect((await call('GET', `/api/products/?${name}=${value}`, alice.auth)).status, name).toBe(200);
      }
      expect(meta.body.ordering).toEqual(['id', 'display_name', 'product_type', 'created_at']);
    });

    it('refuses a concurrent edit based on a stale revision with 412 (If-Match, RFC 9110)', async () => {
      const p = await create(alice.auth, { display_name: 'Contended', product_type: 'other' });
      const seen = await call('GET', `/api/products/${p.body.id}/`, alice.auth);
      const etag = String(seen.headers.etag);
      const first = await call('PATCH', `/api/products/${p.body.id}/`, alice.auth, { description: 'first' }, { 'if-match': etag });
      expect(first.status).toBe(200);
      const second = await call('PATCH', `/api/products/${p.body.id}/`, admin.auth, { description: 'second' }, { 'if-match': etag });
      expect(second.status).toBe(412);
      expect(second.body.detail).toMatch(/changed since you read it/);
      expect((await call('GET', `/api/products/${p.body.id}/`, alice.auth)).body.description).toBe('first');
    });

    it('creates a product once when the client retries with the same Idempotency-Key', async () => {
      const headers = { 'idempotency-key': `retry-${backend.name}-0001` };
      const first = await call('POST', '/api/products/', alice.auth, { display_name: 'Retried', product_type: 'other' }, headers);
      const again = await call('POST', '/api/products/', alice.auth, { display_name: 'Retried', product_type: 'other' }, headers);
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.body.id).toBe(first.body.id);
      // The retry names where the write is, as the first answer did: a client reading through
      // another process after a crash (it retried there) then sees its own write.
      expect(first.headers['x-pz-position']).toMatch(/^\d+:\d+$/);
      expect(again.headers['x-pz-position']).toBe(first.headers['x-pz-position']);
      expect((await call('GET', '/api/products/?display_name=Retried', alice.auth)).body.count).toBe(1);
      const otherKey = await call('POST', '/api/products/', alice.auth, { display_name: 'Retried', product_type: 'other' }, { 'idempotency-key': `retry-${backend.name}-0002` });
      expect(otherKey.body.id).not.toBe(first.body.id);
    });

    it('records who did what in the event metadata', async () => {
      const p = await create(bob.auth, { display_name: 'Audited', product_type: 'other' });
      await call('PATCH', `/api/products/${p.body.id}/`, admin.auth, { description: 'curated' });
      const events = await server.deps.store.readStream(`product-${p.body.id}`);
      expect(events.map((e) => [e.type, e.metadata.actor.username, e.metadata.client.kind])).toEqual([
        ['ProductRegistered', 'bob', 'token'],
        ['ProductMetadataEdited', 'coordinator', 'token'],
      ]);
    });
  });
}
