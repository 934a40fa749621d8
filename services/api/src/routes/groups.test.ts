import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { startTestServer, type TestServer } from '../testing';

type Json = Record<string, unknown>;

for (const backend of testBackends()) {
  describe(`groups and release access (${backend.name})`, () => {
    let server: TestServer;
    let admin: string;
    let member: { auth: string; userId: number };
    let outsider: { auth: string; userId: number };
    let owner: { auth: string; userId: number };

    const call = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, auth: string, payload?: Json) => {
      const r = await server.app.inject({ method, url, payload, headers: { authorization: auth } });
      return { status: r.statusCode, body: (r.body ? JSON.parse(r.body) : {}) as Json };
    };

    beforeAll(async () => {
      server = await startTestServer(backend);
      admin = (await server.createUser('admin', { admin: true })).auth;
      member = await server.createUser('member');
      outsider = await server.createUser('outsider');
      owner = await server.createUser('owner');
    }, 240_000);
    afterAll(async () => server?.stop());

    it('creates groups once, adds and removes members by id or username, and lists them', async () => {
      expect(await call('POST', '/api/admin/groups/', admin, { name: 'dp1', description: 'DP1 rights' })).toMatchObject({ status: 201, body: { name: 'dp1', source: 'admin', member_count: 0 } });
      expect((await call('POST', '/api/admin/groups/', admin, { name: 'dp1' })).status).toBe(409);
      expect((await call('POST', '/api/admin/groups/', admin, { name: 'has space' })).body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'name' });
      expect((await call('POST', '/api/admin/groups/dp1/members/', admin, { user: 'member' })).status).toBe(201);
      expect((await call('POST', '/api/admin/groups/dp1/members/', admin, { user: member.userId })).status).toBe(200);
      expect((await call('POST', '/api/admin/groups/dp1/members/', admin, { user: 'nobody' })).body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'user' });
      expect((await call('POST', '/api/admin/groups/nope/members/', admin, { user: 'member' })).status).toBe(404);
      expect((await call('POST', '/api/admin/groups/dp1/members/', admin, { user: 'outsider' })).status).toBe(201);
      expect((await call('GET', '/api/admin/groups/dp1/members/', admin)).body).toMatchObject({ count: 2, results: [{ username: 'member', source: 'admin' }, { username: 'outsider', source: 'admin' }] });
      expect((await call('DELETE', `/api/admin/groups/dp1/members/${outsider.userId}/`, admin)).status).toBe(204);
      expect((await call('DELETE', '/api/admin/groups/dp1/members/outsider/', admin)).status).toBe(404);
      expect((await call('GET', '/api/admin/groups/', admin)).body).toMatchObject({ count: 1, results: [{ name: 'dp1', member_count: 1 }] });
      expect((await call('GET', '/api/logged_user/groups/', member.auth)).body).toEqual({ count: 1, results: [{ name: 'dp1', description: 'DP1 rights', sources: ['admin'] }] });
      expect((await call('GET', '/api/logged_user/groups/', outsider.auth)).body).toEqual({ count: 0, results: [] });
      expect((await call('GET', '/api/admin/groups/', member.auth)).status).toBe(403);
      expect((await call('POST', '/api/admin/groups/dp1/members/', member.auth, { user: 'outsider' })).status).toBe(403);
    });

    it('records each change as an event naming the admin who made it', async () => {
      const events = await server.deps.store.readStream('group-dp1');
      expect(events.map((e) => e.type)).toEqual(['GroupCreated', 'GroupMemberAdded', 'GroupMemberAdded', 'GroupMemberRemoved']);
      expect(new Set(events.map((e) => e.metadata.actor.username))).toEqual(new Set(['admin']));
    });

    it('lets only members and admins name a restricted release; the owner outside its groups keeps editing a product already in it', async () => {
      const release = (await call('POST', '/api/admin/releases/', admin, { name: 'DP9', display_name: 'DP9' })).body;
      const parent = (await call('POST', '/api/products/', owner.auth, { display_name: 'Parent in DP9', product_type: 'training_set', release: 'DP9' })).body;
      const child = (await call('POST', '/api/products/', owner.auth, { display_name: 'Child in DP9', product_type: 'training_set', release: 'DP9' })).body;
      expect(await call('PUT', `/api/releases/${String(release.id)}/access/`, admin, { groups: ['dp1', 'nope'] })).toMatchObject({ status: 400, body: { field: 'groups' } });
      expect(await call('PUT', `/api/releases/${String(release.id)}/access/`, member.auth, { groups: ['dp1'] })).toMatchObject({ status: 403 });
      expect(await call('PUT', `/api/releases/${String(release.id)}/access/`, admin, { groups: ['dp1'] })).toMatchObject({ status: 200, body: { is_public: false, groups: ['dp1'] } });

      const inRelease = { display_name: 'New in DP9', product_type: 'training_set', release: 'DP9' };
      expect((await call('POST', '/api/products/', outsider.auth, inRelease)).body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'release', detail: 'release "DP9" does not exist' });
      expect((await call('POST', '/api/products/', member.auth, inRelease)).status).toBe(201);
      expect((await call('PATCH', `/api/products/${String(child.id)}/`, owner.auth, { description: 'still mine', release: 'DP9' })).status).toBe(200);
      // A product the caller may not see is named like one that does not exist.
      expect((await call('POST', '/api/products/', outsider.auth, { display_name: 'x', product_type: 'other', derived_from: [parent.id] })).body).toMatchObject({ field: 'derived_from', detail: `derived_from names products that do not exist: ${String(parent.id)}` });
      expect((await call('POST', '/api/products/', member.auth, { display_name: 'x', product_type: 'other', derived_from: [parent.id] })).status).toBe(201);
      expect((await call('GET', '/api/releases/', outsider.auth)).body.results).not.toEqual(expect.arrayContaining([expect.objectContaining({ name: 'DP9' })]));
    });
  });
}
