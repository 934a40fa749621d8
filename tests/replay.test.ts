import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestServer, type TestServer } from '@pz/api/testing';
import { testBackends, type TestDatabase } from '@pz/database/testing';
import { catalogueProjection, createProjector, provenanceProjection } from '@pz/projections';

const TABLES = ['product_types', 'releases', 'users', 'api_tokens', 'products', 'product_files', 'product_contents', 'product_registry', 'product_shares', 'groups', 'group_members', 'release_access', 'provenance_edges', 'provenance_closure', 'provenance_runs'];

async function snapshot(db: TestDatabase | TestServer['deps']['database']): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES) {
    const rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(db.kysely)).rows;
    out[table] = rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();
  }
  return out;
}

/** Nothing but the event log is the truth: fresh read models fed from it must equal the live ones. */
for (const backend of testBackends()) {
  describe(`replaying the event log (${backend.name})`, () => {
    let server: TestServer;
    let fresh: TestDatabase;
    beforeAll(async () => {
      server = await startTestServer(backend);
      fresh = await backend.open();
    });
    afterAll(async () => {
      await server.stop();
      await fresh.drop();
    });

    it('gives a fresh database the same catalogue as the live one', async () => {
      const alice = await server.createUser('alice');
      const admin = await server.createUser('admin', { admin: true });
      const call = (method: 'POST' | 'PATCH' | 'DELETE', url: string, auth: string, payload?: Record<string, unknown>) =>
        server.app.inject({ method, url, payload, headers: { authorization: auth } }).then((r) => JSON.parse(r.body || '{}') as { id: number });
      const ids: number[] = [];
      for (let i = 0; i < 6; i++) {
        ids.push((await call('POST', '/api/products/', alice.auth, { display_name: `Replay ${i}`, product_type: i % 2 ? 'training_set' : 'other', description: `d${i}` })).id);
      }
      await call('PATCH', `/api/products/${ids[0]}/`, alice.auth, { display_name: 'Renamed', description: null });
      await call('PATCH', `/api/products/${ids[1]}/`, admin.auth, { official_product: true, release: 'DP1' });
      await call('DELETE', `/api/products/${ids[2]}/`, alice.auth);
      // Derivations declared, replaced and taken away: the closure follows them.
      await call('PATCH', `/api/products/${ids[3]}/`, alice.auth, { derived_from: [ids[0], ids[1]] });
      await call('PATCH', `/api/products/${ids[4]}/`, alice.auth, { derived_from: [ids[3]] });
      await call('PATCH', `/api/products/${ids[5]}/`, alice.auth, { derived_from: [ids[4], ids[0]] });
      await call('PATCH', `/api/products/${ids[3]}/`, alice.auth, { derived_from: [ids[1]] });
      const dp2 = await call('POST', '/api/admin/releases/', admin.auth, { name: 'DP2', display_name: 'LSST DP2' });
      await call('POST', '/api/admin/groups/', admin.auth, { name: 'dp2-rights' });
      await call('POST', '/api/admin/groups/dp2-rights/members/', admin.auth, { user: 'alice' });
      await server.app.inject({ method: 'PUT', url: `/api/releases/${dp2.id}/access/`, payload: { groups: ['dp2-rights'] }, headers: { authorization: admin.auth } });
      await server.app.inject({ method: 'POST', url: '/api/get_token/', headers: { authorization: alice.auth } });

      const live = await snapshot(server.deps.database);
      expect(live.products).toHaveLength(6);
      expect(live.release_access).toHaveLength(1);
      expect(live.group_members).toHaveLength(1);
      expect(live.provenance_closure).toHaveLength(7);

      const projector = createProjector(fresh, server.deps.store, [catalogueProjection, provenanceProjection]);
      await projector.start();
      expect(await projector.waitFor(await server.deps.store.headPosition(), 20_000)).toBe(true);
      await projector.stop();
      expect(await snapshot(fresh)).toEqual(live);

      await server.deps.projector.rebuild('catalogue');
      await server.deps.projector.rebuild('provenance');
      expect(await server.deps.projector.waitFor(await server.deps.store.headPosition(), 20_000)).toBe(true);
      expect(await snapshot(server.deps.database)).toEqual(live);
    });
  });
}
