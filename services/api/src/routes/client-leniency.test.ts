import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogPosition, RecordedEvent } from '@pz/contracts';
import { testBackends } from '@pz/database/testing';
import { startTestServer, type TestServer } from '../testing';

/**
 * What the real pzserver client sends (../shared/clients/pzserver/src/pzserver/communicate.py),
 * accepted as the reference server (Django REST Framework) accepts it: the three refusals of
 * issue 15 each have a test below that fails if the old behaviour returns.
 */

type Json = Record<string, unknown>;

for (const backend of testBackends()) {
  describe(`requests as the pzserver client sends them (${backend.name})`, () => {
    let server: TestServer;
    let auth: string;

    const send = async (request: InjectOptions) => {
      const response = await server.app.inject(request);
      const body = response.body && String(response.headers['content-type']).startsWith('application/json') ? (JSON.parse(response.body) as Json) : {};
      return { status: response.statusCode, body };
    };
    /** A JSON body as python-requests writes it (`json=payload`). */
    const sendJson = (method: 'POST' | 'PATCH', url: string, payload: Json) =>
      send({ method, url, payload: JSON.stringify(payload), headers: { authorization: auth, 'content-type': 'application/json', accept: 'application/json' } });
    /** A form body as python-requests writes it (`data=dict`): None values are left out. */
    const sendForm = (method: 'POST' | 'PATCH', url: string, fields: Record<string, string>) =>
      send({ method, url, payload: new URLSearchParams(fields).toString(), headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' } });
    const eventsSince = async (after: LogPosition): Promise<readonly RecordedEvent[]> => (await server.deps.store.readAll({ after, limit: 1000 })).events;
    /** The client's `upload_basic_info` body, word for word. */
    const clientCreate = (extra: Json = {}) => ({ display_name: 'Client sample', product_type: 1, release: null, official_product: false, pz_code: null, description: null, status: 0, ...extra });

    beforeAll(async () => {
      server = await startTestServer(backend);
      auth = (await server.createUser('notebook')).auth;
    }, 180_000);
    afterAll(async () => server.stop());

    it('refusal 1: unknown and read-only fields are ignored, and stored nowhere (neither in the event nor in the read model)', async () => {
      const before = await server.deps.store.headPosition();
      const created = await sendJson('POST', '/api/products/', clientCreate({ surprise: 'planted', id: 999_999, internal_name: 'forged', uploaded_by: 'someone-else', is_owner: false }));
      expect(created.status).toBe(201);
      const id = created.body.id as number;
      expect(id).not.toBe(999_999);
      expect(created.body).toMatchObject({ internal_name: `${id}_client_sample`, uploaded_by: 'notebook', is_owner: true, status: 0 });
      expect(created.body).not.toHaveProperty('surprise');
      const recorded = await eventsSince(before);
      expect(recorded.map((e) => e.type)).toEqual(['ProductRegistered']);
      expect(JSON.stringify(recorded[0]?.data)).not.toMatch(/surprise|planted|forged|someone-else|999999/);
      const read = await send({ method: 'GET', url: `/api/products/${id}/`, headers: { authorization: auth } });
      expect(read.body).not.toHaveProperty('surprise');
      expect(JSON.stringify(read.body)).not.toMatch(/planted|forged|someone-else/);
      const row = await server.deps.catalogue.selectFrom('products').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).not.toMatch(/planted|forged|someone-else/);

      // The same in a PATCH: an unknown field alone changes nothing and records nothing.
      const head = await server.deps.store.headPosition();
      const patched = await sendJson('PATCH', `/api/products/${id}/`, { owner_id: 1, surprise: 'planted', internal_name: 'forged' });
      expect(patched.status).toBe(200);
      expect(patched.body.internal_name).toBe(`${id}_client_sample`);
      expect(await eventsSince(head)).toEqual([]);
    });

    it('refusal 2: null for an optional field is "not given" on create, never coerced to 0 or ""', async () => {
      // A Reference Redshift Catalog must have no release: `"release": null` was coerced to 0, an unknown release.
      const created = await sendJson('POST', '/api/products/', { display_name: 'Null release', product_type: 'redshift_catalog', release: null, official_product: false, pz_code: null, description: null });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ release: null, release_name: null, pz_code: null, description: null, official_product: false });
      const nullEverywhere = await sendJson('POST', '/api/products/', { display_name: 'All nulls', product_type: 'training_set', release: null, official_product: null, pz_code: null, description: null, derived_from: null, status: null });
      expect(nullEverywhere.status).toBe(201);
      expect(nullEverywhere.body).toMatchObject({ release: null, pz_code: null, description: null, official_product: false, derived_from: [] });
    });

    it('null clears a clearable field on PATCH; a form PATCH (the client\'s) is still read as text', async () => {
      const created = await sendJson('POST', '/api/products/', clientCreate({ display_name: 'To clear', product_type: 'other', pz_code: 'BPZ', description: 'words' }));
      expect(created.body).toMatchObject({ pz_code: 'BPZ', description: 'words' });
      const id = created.body.id as number;
      const cleared = await sendJson('PATCH', `/api/products/${id}/`, { pz_code: null, description: null });
      expect(cleared.status).toBe(200);
      expect(cleared.body).toMatchObject({ pz_code: null, description: null });
      const form = await sendForm('PATCH', `/api/products/${id}/`, { description: 'from a form' });
      expect(form.status).toBe(200);
      expect(form.body.description).toBe('from a form');
      const notClearable = await sendJson('PATCH', `/api/products/${id}/`, { display_name: null });
      expect(notClearable.status).toBe(400);
      expect(notClearable.body.field).toBe('display_name');
    });

    it('refusal 3: an empty body with Content-Type: application/json is accepted on GET, OPTIONS, DELETE and a POST that takes no body', async () => {
      const headers = { authorization: auth, 'content-type': 'application/json', accept: 'application/json' };
      expect((await send({ method: 'GET', url: '/api/', headers })).status).toBe(200);
      const options = await send({ method: 'OPTIONS', url: '/api/products/', headers });
      expect(options.status).toBe(200);
      expect((options.body.filter_classes as Json[]).map((f) => f.name)).toContain('product_type_name');
      const list = await send({ method: 'GET', url: '/api/products/?status=0&product_type_name=other', headers });
      expect(list.status).toBe(200);
      const created = await sendJson('POST', '/api/products/', clientCreate({ display_name: 'Empty bodies', product_type: 'other' }));
      const id = created.body.id as number;
      expect((await send({ method: 'GET', url: `/api/products/${id}/`, headers })).status).toBe(200);
      // `requests.Request("POST", url, json=None, headers={... "Content-Type": "application/json"})`: no body at all.
      const prepare = await send({ method: 'POST', url: `/api/products/${id}/download/prepare/`, headers });
      expect([200, 202]).toContain(prepare.status);
      expect(prepare.body).toHaveProperty('status');
      expect((await send({ method: 'DELETE', url: `/api/products/${id}/`, headers })).status).toBe(204);
    });

    it('a route that takes a body still refuses an empty one, and a wrong type is still a 400 naming the field', async () => {
      const empty = await send({ method: 'POST', url: '/api/products/', payload: '', headers: { authorization: auth, 'content-type': 'application/json' } });
      expect(empty.status).toBe(400);
      expect(String(empty.body.detail)).toMatch(/body must be object/);
      for (const [field, value] of [['official_product', 'yes'], ['display_name', 42], ['release', { id: 1 }], ['derived_from', 'x'], ['status', 'draft']] as const) {
        const wrong = await sendJson('POST', '/api/products/', clientCreate({ [field]: value }));
        expect({ field, status: wrong.status }).toEqual({ field, status: 400 });
        expect(wrong.body.field).toBe(field);
        expect(wrong.body[field]).toEqual([expect.stringContaining(field)]);
      }
    });

    it('status on create: 0 or null is honoured, anything else is refused naming the field', async () => {
      const published = await sendJson('POST', '/api/products/', clientCreate({ status: 1 }));
      expect(published.status).toBe(400);
      expect(published.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'status', status: [expect.stringMatching(/status must be 0/)] });
    });

    it('release_year is writable as in the reference model: on create, on PATCH, and null gives back the release\'s year', async () => {
      const before = await server.deps.store.headPosition();
      const created = await sendJson('POST', '/api/products/', clientCreate({ display_name: 'With a year', product_type: 'training_set', release: 1, release_year: 2024 }));
      expect(created.status).toBe(201);
      expect(created.body.release_year).toBe(2024);
      expect((await eventsSince(before)).map((e) => [e.type, e.data])).toEqual([
        ['ProductRegistered', expect.not.objectContaining({ releaseYear: expect.anything() as unknown })],
        ['ProductReleaseYearSet', { productId: created.body.id, releaseYear: 2024 }],
      ]);
      const id = created.body.id as number;
      expect((await sendJson('PATCH', `/api/products/${id}/`, { release_year: 2031 })).body.release_year).toBe(2031);
      expect((await send({ method: 'GET', url: `/api/products/${id}/`, headers: { authorization: auth } })).body.release_year).toBe(2031);
      const cleared = await sendJson('PATCH', `/api/products/${id}/`, { release_year: null });
      expect(cleared.body.release_year).toBe(new Date().getUTCFullYear()); // DP1, seeded this year
      const head = await server.deps.store.headPosition();
      expect((await sendJson('PATCH', `/api/products/${id}/`, { release_year: null })).status).toBe(200);
      expect(await eventsSince(head)).toEqual([]);
      const bad = await sendJson('PATCH', `/api/products/${id}/`, { release_year: 99 });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ field: 'release_year', release_year: [expect.stringMatching(/release_year must be a year/)] });
      const form = await sendForm('PATCH', `/api/products/${id}/`, { release_year: '2027' });
      expect(form.body.release_year).toBe(2027);
    });

    it('validation errors carry the DRF shape {"<field>": ["message"]} beside {detail, code, field}', async () => {
      const missing = await sendJson('POST', '/api/products/', { product_type: 'other' });
      expect(missing.status).toBe(400);
      expect(missing.body).toEqual({ detail: expect.stringMatching(/display_name/), code: 'VALIDATION_FAILED', field: 'display_name', display_name: [missing.body.detail] });
      const unknownType = await sendJson('POST', '/api/products/', clientCreate({ product_type: 'no_such_type' }));
      expect(unknownType.body).toMatchObject({ field: 'product_type', product_type: [expect.stringMatching(/does not exist/)] });
      const badQuery = await send({ method: 'GET', url: '/api/products/?page_size=0', headers: { authorization: auth } });
      expect(badQuery.status).toBe(400);
      expect(badQuery.body).toMatchObject({ field: 'page_size', page_size: [badQuery.body.detail] });
    });
  });
}
