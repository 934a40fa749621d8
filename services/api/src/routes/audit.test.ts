import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { startTestServer, type TestServer } from '../testing';

type Json = Record<string, unknown>;
type User = { auth: string; userId: number };

for (const backend of testBackends()) {
  describe(`audit feed (${backend.name})`, () => {
    let server: TestServer;
    let alice: User;
    let bob: User;
    let admin: User;
    let first: number;
    const get = async (url: string, auth: string) => {
      const response = await server.app.inject({ method: 'GET', url, headers: { authorization: auth } });
      return { status: response.statusCode, text: response.body, type: String(response.headers['content-type']), body: (String(response.headers['content-type']).startsWith('application/json') ? JSON.parse(response.body) : {}) as Json };
    };
    const post = async (url: string, auth: string, payload: Json) => server.app.inject({ method: 'POST', url, payload, headers: { authorization: auth } });

    beforeAll(async () => {
      server = await startTestServer(backend);
      alice = await server.createUser('alice');
      bob = await server.createUser('bob');
      admin = await server.createUser('keeper', { admin: true });
      first = JSON.parse((await post('/api/products/', alice.auth, { display_name: 'First, "quoted"', product_type: 'training_set' })).body).id as number;
      for (let i = 0; i < 5; i++) expect((await post('/api/products/', bob.auth, { display_name: `Bob ${i}`, product_type: 'training_set' })).statusCode).toBe(201);
      await server.app.inject({ method: 'PATCH', url: `/api/products/${first}/`, payload: { official_product: true }, headers: { authorization: admin.auth } });
    }, 180_000);
    afterAll(async () => server?.stop());

    it('is for admins only', async () => {
      expect((await get('/api/admin/audit/', bob.auth)).status).toBe(403);
    });

    it('filters by actor, event type, product and time, and never shows password digests or token hashes', async () => {
      const all = await get('/api/admin/audit/?limit=1000', admin.auth);
      expect(all.status).toBe(200);
      expect(all.text).not.toMatch(/passwordHash|tokenHash|keyHash|scrypt/);
      expect((all.body.results as Json[]).some((e) => e.type === 'UserRegistered')).toBe(true);
      const bobs = await get('/api/admin/audit/?actor=bob&type=ProductRegistered', admin.auth);
      expect(bobs.body.count).toBe(5);
      expect((bobs.body.results as Json[]).every((e) => (e.actor as Json).username === 'bob' && e.type === 'ProductRegistered')).toBe(true);
      const byId = await get(`/api/admin/audit/?actor=${bob.userId}&type=ProductRegistered`, admin.auth);
      expect(byId.body.count).toBe(5);
      const aboutFirst = await get(`/api/admin/audit/?product=${first}`, admin.auth);
      expect((aboutFirst.body.results as Json[]).map((e) => e.type)).toEqual(['ProductRegistered', 'ProductMarkedOfficial']);
      expect((aboutFirst.body.results as Json[])[1]).toMatchObject({ product_id: first, actor: { username: 'keeper' }, stream: `product-${first}` });
      const future = await get(`/api/admin/audit/?since=${new Date(Date.now() + 3_600_000).toISOString()}`, admin.auth);
      expect(future.body).toMatchObject({ count: 0, next: null });
      const past = await get(`/api/admin/audit/?until=2000-01-01T00:00:00Z`, admin.auth);
      expect(past.body.count).toBe(0);
      expect((await get('/api/admin/audit/?since=soon', admin.auth)).body).toMatchObject({ field: 'since' });
    });

    it('pages with a cursor: every event once, in log order', async () => {
      const seen: string[] = [];
      let url = '/api/admin/audit/?limit=3';
      for (let pages = 0; pages < 100; pages++) {
        const page = await get(url, admin.auth);
        seen.push(...(page.body.results as Json[]).map((e) => String(e.event_id)));
        if (page.body.next === null) break;
        url = `/api/admin/audit/?limit=3&after=${String(page.body.next)}`;
      }
      const whole = await get('/api/admin/audit/?limit=1000', admin.auth);
      expect(seen).toEqual((whole.body.results as Json[]).map((e) => String(e.event_id)));
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('exports the selection as CSV and as JSON lines', async () => {
      const csv = await get(`/api/admin/audit/?format=csv&product=${first}`, admin.auth);
      expect(csv.type).toMatch(/^text\/csv/);
      const lines = csv.text.split('\r\n').filter(Boolean);
      expect(lines[0]).toBe('position,event_id,recorded_at,type,stream,revision,product_id,actor_kind,actor_user_id,actor_username,client,data');
      expect(lines).toHaveLength(3);
      expect(lines[1]).toMatch(/,"\{"".*""productId"":\d+/);
      expect(lines[1]).toContain('First, \\""quoted\\""');
      const jsonl = await get('/api/admin/audit/?format=jsonl&actor=bob', admin.auth);
      const records = jsonl.text.trim().split('\n').map((l) => JSON.parse(l) as Json);
      expect(records.length).toBeGreaterThanOrEqual(5);
      expect(records.every((r) => (r.actor as Json).username === 'bob')).toBe(true);
    });
  });
}
