import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@pz/api/testing';
import { testBackends } from '@pz/database/testing';

type Json = Record<string, unknown>;

for (const backend of testBackends()) {
  describe(`concurrent commands (${backend.name})`, () => {
    let server: TestServer;
    let alice: { auth: string };
    let admin: { auth: string };
    const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, auth: string, payload?: Json, headers: Record<string, string> = {}) =>
      server.app.inject({ method, url, payload, headers: { authorization: auth, ...headers } }).then((r) => ({ status: r.statusCode, body: (r.body ? JSON.parse(r.body) : {}) as Json, headers: r.headers }));

    beforeAll(async () => {
      server = await startTestServer(backend);
      alice = await server.createUser('alice');
      admin = await server.createUser('admin', { admin: true });
    });
    afterAll(async () => server.stop());

    it('two clients editing the same revision at once: one succeeds, the other gets 412 (If-Match)', async () => {
      const p = await call('POST', '/api/products/', alice.auth, { display_name: 'Race', product_type: 'other' });
      const etag = String((await call('GET', `/api/products/${p.body.id}/`, alice.auth)).headers.etag);
      const [a, b] = await Promise.all([
        call('PATCH', `/api/products/${p.body.id}/`, alice.auth, { description: 'from alice' }, { 'if-match': etag }),
        call('PATCH', `/api/products/${p.body.id}/`, admin.auth, { description: 'from admin' }, { 'if-match': etag }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 412]);
      const loser = a.status === 412 ? a : b;
      expect(loser.body.detail).toMatch(/changed since you read it/);
      const winner = a.status === 200 ? 'from alice' : 'from admin';
      expect((await call('GET', `/api/products/${p.body.id}/`, alice.auth)).body.description).toBe(winner);
    });

    it('loses no update in a burst of 1,000 mixed commands', async () => {
      const products: number[] = [];
      for (let i = 0; i < 10; i++) products.push(Number((await call('POST', '/api/products/', alice.auth, { display_name: `Burst ${i}`, product_type: 'other' })).body.id));
      const accepted = new Map<number, number>();
      const commands = [...Array(1000).keys()].map((i) => async () => {
        const id = products[Math.floor(i / 10) % products.length] as number;
        const kind = i % 10;
        const r =
          kind === 0
            ? await call('PATCH', `/api/products/${id}/`, admin.auth, { official_product: Math.floor(i / 100) % 2 === 0 })
            : kind === 1
              ? await call('GET', `/api/products/${id}/`, alice.auth)
              : await call('PATCH', `/api/products/${id}/`, alice.auth, { description: `edit ${i}` });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        if (kind >= 2) accepted.set(id, (accepted.get(id) ?? 0) + 1);
      });
      for (let i = 0; i < commands.length; i += 50) await Promise.all(commands.slice(i, i + 50).map((c) => c()));

      for (const id of products) {
        const events = await server.deps.store.readStream(`product-${id}`);
        const edits = events.filter((e) => e.type === 'ProductMetadataEdited');
        expect(edits.length).toBe(accepted.get(id));
        const last = (edits.at(-1)?.data as { changes: { description: string } }).changes.description;
        expect((await call('GET', `/api/products/${id}/`, alice.auth)).body.description).toBe(last);
        expect(events.map((e) => Number(e.revision))).toEqual([...events.keys()]);
      }
    }, 120_000);
  });
}
