import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { recordRun } from '../provenance/testing';
import { startTestServer, type TestServer } from '../testing';

type Json = Record<string, unknown>;
type User = { auth: string; userId: number };
interface Graph { nodes: Json[]; edges: Json[]; runs: Json[] }

for (const backend of testBackends()) {
  describe(`provenance graph (${backend.name})`, () => {
    let server: TestServer;
    let alice: User;
    let bob: User;
    let carol: User;
    let admin: User;
    const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, auth: string, payload?: Json) => {
      const response = await server.app.inject({ method, url, payload, headers: { authorization: auth } });
      return { status: response.statusCode, body: (response.body ? JSON.parse(response.body) : {}) as Json };
    };
    const product = async (owner: User, name: string, derivedFrom: number[] = []) => {
      const created = await call('POST', '/api/products/', owner.auth, { display_name: name, product_type: 'training_set', derived_from: derivedFrom });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return created.body.id as number;
    };
    const graph = async (id: number, who: User, query = '') => {
      const answer = await call('GET', `/api/products/${id}/provenance/${query}`, who.auth);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body as unknown as Graph;
    };
    const ids = (g: Graph) => g.nodes.map((n) => n.node_id).sort();

    let a: number, b: number, c: number, d: number, x: number, y: number;

    beforeAll(async () => {
      server = await startTestServer(backend);
      alice = await server.createUser('alice');
      bob = await server.createUser('bob');
      carol = await server.createUser('carol');
      admin = await server.createUser('keeper', { admin: true });
      a = await product(alice, 'A spec-z');
      b = await product(alice, 'B training set', [a]);
      c = await product(alice, 'C results', [b]);
      d = await product(bob, 'D estimates', [c, a]);
      x = await product(carol, 'X private input');
      y = await product(alice, 'Y derived from X', [x]);
      expect((await call('DELETE', `/api/products/${x}/`, carol.auth)).status).toBe(204);
    }, 180_000);
    afterAll(async () => server?.stop());

    it('answers ancestors and descendants to any depth, or to a given depth, with the edges between them', async () => {
      const up = await graph(d, alice, '?direction=ancestors');
      expect(ids(up)).toEqual([`product-${a}`, `product-${b}`, `product-${c}`, `product-${d}`].sort());
      expect(up.nodes.find((n) => n.node_id === `product-${a}`)).toMatchObject({ depth: 1, display_name: 'A spec-z', owner: 'alice', redacted: false });
      expect(up.edges).toContainEqual({ from: `product-${b}`, to: `product-${a}`, relation: 'wasDerivedFrom', via: 'declared', run_id: null });
      expect(up.edges).toHaveLength(4);

      const down = await graph(a, bob, '?direction=descendants');
      expect(ids(down)).toEqual([`product-${a}`, `product-${b}`, `product-${c}`, `product-${d}`].sort());
      const shallow = await graph(a, bob, '?direction=descendants&depth=1');
      expect(ids(shallow)).toEqual([`product-${a}`, `product-${b}`, `product-${d}`].sort());
      const both = await graph(b, bob);
      expect(ids(both)).toEqual([`product-${a}`, `product-${b}`, `product-${c}`, `product-${d}`].sort());
      expect((await call('GET', `/api/products/${b}/provenance/?direction=sideways`, bob.auth)).status).toBe(400);
    });

    it('shows an ancestor the caller may not see as a redacted node: neither left out nor revealed', async () => {
      const forAlice = await graph(y, alice, '?direction=ancestors');
      expect(forAlice.nodes).toHaveLength(2);
      const hidden = forAlice.nodes.find((n) => n.node_id !== `product-${y}`);
      expect(hidden).toEqual({ node_id: 'redacted-1', redacted: true, depth: 1 });
      expect(JSON.stringify(forAlice)).not.toContain('X private input');
      expect(JSON.stringify(forAlice)).not.toContain('carol');
      expect(JSON.stringify(forAlice)).not.toContain(`product-${x}`);
      expect(forAlice.edges).toEqual([{ from: `product-${y}`, to: 'redacted-1', relation: 'wasDerivedFrom', via: 'declared', run_id: null }]);
      // The owner of the deleted product and admins see it in full.
      const forCarol = await graph(y, carol, '?direction=ancestors');
      expect(forCarol.nodes.find((n) => n.node_id === `product-${x}`)).toMatchObject({ display_name: 'X private input', status: 2 });
      expect(ids(await graph(y, admin, '?direction=ancestors'))).toContain(`product-${x}`);
      // The deleted product itself answers 404 to others, as one that never existed.
      expect((await call('GET', `/api/products/${x}/provenance/`, alice.auth)).status).toBe(404);
    });

    it('refuses a declaration that would close a cycle with a 400 naming derived_from; a product cannot name a parent it may not see', async () => {
      const cycle = await call('PATCH', `/api/products/${a}/`, alice.auth, { derived_from: [d] });
      expect(cycle.status).toBe(400);
      expect(cycle.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'derived_from' });
      expect(String(cycle.body.detail)).toMatch(/cycle/);
      const self = await call('PATCH', `/api/products/${a}/`, alice.auth, { derived_from: [a] });
      expect(self).toMatchObject({ status: 400, body: { field: 'derived_from' } });
      const hidden = await call('PATCH', `/api/products/${c}/`, alice.auth, { derived_from: [b, x] });
      expect(hidden).toMatchObject({ status: 400, body: { field: 'derived_from' } });
      // Declared later by the owner: the graph follows.
      const later = await call('PATCH', `/api/products/${c}/`, alice.auth, { derived_from: [a] });
      expect(later.status).toBe(200);
      const up = await graph(c, alice, '?direction=ancestors');
      expect(ids(up)).toEqual([`product-${a}`, `product-${c}`].sort());
      expect((await call('PATCH', `/api/products/${c}/`, alice.auth, { derived_from: [b] })).status).toBe(200);
    });

    it('records a pipeline run as an activity that used its inputs and generated its output', async () => {
      const output = await product(alice, 'Combined catalogue');
      await recordRun(server.deps, 'run-test-1', { userId: alice.userId, username: 'alice' }, [
        { type: 'PipelineRunRequested', data: { runId: 'run-test-1', processId: 1, pipeline: 'combine_redshift_catalogs', pipelineVersion: '1.0', displayName: 'Combine', usedConfig: {}, inputs: [a, y], releaseName: null, outputProductId: output } },
        { type: 'PipelineRunStarted', data: { runId: 'run-test-1', worker: 'w1' } },
        { type: 'PipelineRunSucceeded', data: { runId: 'run-test-1', generatedProductId: output } },
      ]);
      const up = await graph(output, alice, '?direction=ancestors');
      expect(up.edges).toContainEqual({ from: `product-${output}`, to: `product-${a}`, relation: 'wasDerivedFrom', via: 'run', run_id: 'run-test-1' });
      expect(up.runs).toEqual([expect.objectContaining({ run_id: 'run-test-1', pipeline: 'combine_redshift_catalogs', status: 'succeeded', generated: `product-${output}`, agent: 'alice' })]);
      expect((up.runs[0]?.used as string[]).sort()).toEqual([`product-${a}`, `product-${y}`].sort());
      // Two steps up through Y, the deleted X is redacted for alice.
      expect(up.nodes.filter((n) => n.redacted)).toHaveLength(1);
      const down = await graph(a, bob, '?direction=descendants');
      expect(ids(down)).toContain(`product-${output}`);
    });
  });
}
