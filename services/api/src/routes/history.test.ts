import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { attachTestFile, registerTestColumns } from '../downloads/testing';
import { startTestServer, type TestServer } from '../testing';

type Json = Record<string, unknown>;
type User = { auth: string; userId: number };
type Entry = { type: string; position: string; recorded_at: string; actor: Json; diff: Json };

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const mainCsv = Buffer.from('ID,RA,DEC,Z\n1,1.0,2.0,0.5\n');
const notes = Buffer.from('notes\n');

for (const backend of testBackends()) {
  describe(`history and time travel (${backend.name})`, () => {
    let server: TestServer;
    let alice: User;
    let bob: User;
    let admin: User;
    let id: number;
    let history: Entry[];
    let beforeAll_: string;
    const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, auth: string, payload?: Json) => {
      const response = await server.app.inject({ method, url, payload, headers: { authorization: auth } });
      return { status: response.statusCode, body: (response.body ? JSON.parse(response.body) : {}) as Json };
    };

    beforeAll(async () => {
      server = await startTestServer(backend);
      alice = await server.createUser('alice');
      bob = await server.createUser('bob');
      admin = await server.createUser('keeper', { admin: true });
      beforeAll_ = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 5));
      const created = await call('POST', '/api/products/', alice.auth, { display_name: 'Spec-z sample', product_type: 'redshift_catalog', release: null });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      id = created.body.id as number;
      const main = await attachTestFile(server.deps, id, alice.userId, { name: 'specz.csv', role: 0, content: mainCsv, mimeType: 'text/csv' });
      const extra = await attachTestFile(server.deps, id, alice.userId, { name: 'notes.txt', role: 2, content: notes });
      await registerTestColumns(server.deps, id, alice.userId, main, ['ID', 'RA', 'DEC', 'Z'], { RA: { alias: 'RA', ucd: 'pos.eq.ra;meta.main' } });
      expect((await call('PATCH', `/api/products/${id}/`, alice.auth, { display_name: 'Spec-z sample v2' })).status).toBe(200);
      expect((await call('POST', `/api/products/${id}/shares/`, alice.auth, {})).status).toBe(201);
      expect((await call('DELETE', `/api/product-files/${extra}/`, alice.auth)).status).toBe(204);
      expect((await call('PATCH', `/api/products/${id}/`, admin.auth, { official_product: true })).status).toBe(200);
      const answer = await call('GET', `/api/products/${id}/history/`, bob.auth);
      expect(answer.status).toBe(200);
      history = answer.body.results as Entry[];
    }, 180_000);
    afterAll(async () => server?.stop());

    it('lists every event with actor, time, global position and what it changed', async () => {
      expect(history.map((e) => e.type)).toEqual([
        'ProductRegistered', 'ProductFileAttached', 'ProductFileAttached', 'ProductContentsRegistered', 'ProductColumnAssociated',
        'ProductMetadataEdited', 'ProductShared', 'ProductFileRemoved', 'ProductMarkedOfficial',
      ]);
      expect(history[0]?.diff.fields).toMatchObject({ display_name: { from: null, to: 'Spec-z sample' }, status: { from: null, to: 0 } });
      expect(history[1]?.diff.files_added).toEqual([expect.objectContaining({ name: 'specz.csv', role: 0, sha256: sha256(mainCsv), size: mainCsv.length })]);
      expect(history[4]?.diff.columns).toEqual([{ name: 'RA', from: { ucd: null, alias: null }, to: { ucd: 'pos.eq.ra;meta.main', alias: 'RA' } }]);
      expect(history[5]).toMatchObject({ actor: { kind: 'user', username: 'alice' }, diff: { fields: { display_name: { from: 'Spec-z sample', to: 'Spec-z sample v2' } } } });
      expect(history[7]?.diff.files_removed).toEqual([expect.objectContaining({ name: 'notes.txt', sha256: sha256(notes) })]);
      expect(history[8]).toMatchObject({ actor: { username: 'keeper' }, diff: { fields: { official_product: { from: false, to: true } } } });
      const positions = history.map((e) => e.position);
      expect(positions.every((p) => /^\d+:\d+$/.test(p))).toBe(true);
      // Shares show to others as an event without details; the owner sees the share id, never a key nor its hash.
      expect(history[6]?.diff.shares_added).toEqual([]);
      const own = (await call('GET', `/api/products/${id}/history/`, alice.auth)).body.results as Entry[];
      const share = own[6]?.diff.shares_added as Json[];
      expect(share).toHaveLength(1);
      expect(Object.keys(share[0] ?? {}).sort()).toEqual(['expires_at', 'share_id']);
      expect(JSON.stringify(own)).not.toMatch(/key_?hash/i);
    });

    it('shows the product as it was at any global position or instant, computed from its events', async () => {
      const at = async (moment: string) => call('GET', `/api/products/${id}/as-of/?at=${encodeURIComponent(moment)}`, bob.auth);
      const afterColumns = await at(history[4]?.position ?? '');
      expect(afterColumns.status).toBe(200);
      expect(afterColumns.body.product).toMatchObject({ display_name: 'Spec-z sample', official_product: false, files: [expect.objectContaining({ name: 'specz.csv' }), expect.objectContaining({ name: 'notes.txt' })] });
      expect((afterColumns.body.product as Json).columns).toContainEqual({ name: 'RA', type: 'float64', order: 1, ucd: 'pos.eq.ra;meta.main', alias: 'RA' });
      const now = await at(history[8]?.position ?? '');
      expect(now.body.product).toMatchObject({ display_name: 'Spec-z sample v2', official_product: true, files: [expect.objectContaining({ name: 'specz.csv' })] });
      expect((now.body.product as Json).shares).toBeUndefined();
      const byTime = await at(history[5]?.recorded_at ?? '');
      expect(byTime.body.product).toMatchObject({ display_name: 'Spec-z sample v2' });
      expect((await at(beforeAll_)).status).toBe(404);
      expect((await at('yesterday')).body).toMatchObject({ field: 'at' });
    });

    it('lists the catalogue as of an instant: products created later are not there, names are those of then', async () => {
      const list = async (moment: string, who = bob) => call('GET', `/api/products/as-of/?at=${encodeURIComponent(moment)}`, who.auth);
      expect((await list(beforeAll_)).body).toMatchObject({ count: 0, results: [] });
      const then = await list(history[4]?.position ?? '');
      expect(then.body.count).toBe(1);
      expect(then.body.results).toEqual([expect.objectContaining({ id, display_name: 'Spec-z sample' })]);
      // Deleted since: gone for others, kept for its owner (the visibility rule of now decides).
      expect((await call('DELETE', `/api/products/${id}/`, alice.auth)).status).toBe(204);
      expect((await list(history[4]?.position ?? '')).body.count).toBe(0);
      expect((await list(history[4]?.position ?? '', alice)).body.count).toBe(1);
      expect((await call('GET', `/api/products/${id}/history/`, bob.auth)).status).toBe(404);
    });
  });
}
