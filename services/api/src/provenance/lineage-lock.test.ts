import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@pz/config';
import { openDatabase } from '@pz/database';
import { testBackends } from '@pz/database/testing';
import { startServices } from '../server';
import { startTestServer, type TestServer } from '../testing';

type Injector = TestServer['app'];
const PAIRS = 8;

/** Products a and b, then at once "a derives from b" and "b derives from a" for every pair (through `left` and `right`): exactly one of each pair may pass. */
async function racePairs(owner: string, create: Injector, left: Injector, right: Injector) {
  const make = async (name: string) => {
    const created = await create.inject({ method: 'POST', url: '/api/products/', headers: { authorization: owner }, payload: { display_name: name, product_type: 'other' } });
    expect(created.statusCode, created.body).toBe(201);
    return (created.json() as { id: number }).id;
  };
  const pairs: [number, number][] = [];
  for (let i = 0; i < PAIRS; i++) pairs.push([await make(`a${i}`), await make(`b${i}`)]);
  const declare = (app: Injector, id: number, parent: number) =>
    app.inject({ method: 'PATCH', url: `/api/products/${id}/`, headers: { authorization: owner }, payload: { derived_from: [parent] } }).then((r) => r.statusCode);
  const statuses = await Promise.all(pairs.map(([a, b]) => Promise.all([declare(left, a, b), declare(right, b, a)])));
  const ancestors = async (id: number) => {
    const answer = await create.inject({ method: 'GET', url: `/api/products/${id}/provenance/?direction=ancestors`, headers: { authorization: owner } });
    return (answer.json() as { nodes: { product_id?: number }[] }).nodes.map((n) => n.product_id).filter((n) => n !== id);
  };
  const cycles = [];
  for (const [a, b] of pairs) if ((await ancestors(a)).includes(b) && (await ancestors(b)).includes(a)) cycles.push([a, b]);
  return { statuses, cycles };
}

for (const backend of testBackends()) {
  describe(`derivation cycles under concurrent declarations (${backend.name})`, () => {
    let server: TestServer;
    let owner: string;
    beforeAll(async () => {
      server = await startTestServer(backend);
      owner = (await server.createUser('alice')).auth;
    }, 120_000);
    afterAll(async () => server?.stop());

    it('lets one of "a from b" and "b from a" sent together pass and refuses the other, in every pair', async () => {
      const { statuses, cycles } = await racePairs(owner, server.app, server.app, server.app);
      expect(cycles).toEqual([]);
      expect(statuses.map((pair) => [...pair].sort())).toEqual(Array.from({ length: PAIRS }, () => [200, 400]));
    }, 120_000);
  });
}

const postgres = testBackends().find((b) => b.name === 'postgres');

describe.runIf(postgres)('derivation cycles through two server processes on one PostgreSQL schema', () => {
  it('refuses one of each pair of crossing declarations sent to different processes', async () => {
    const a = await startTestServer(postgres as NonNullable<typeof postgres>);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-b-'));
    const database = await openDatabase({ url: process.env.DATABASE_URL, schema: a.deps.database.schema });
    const b = await startServices(loadConfig({ DATA_DIR: dataDir, PZ_SECRET: 'test-secret-0123456789', PUBLIC_URL: 'http://pz.test', DATABASE_URL: process.env.DATABASE_URL }), { database });
    try {
      const owner = (await a.createUser('alice')).auth;
      const { statuses, cycles } = await racePairs(owner, a.app, a.app, b.app);
      expect(cycles).toEqual([]);
      expect(statuses.map((pair) => [...pair].sort())).toEqual(Array.from({ length: PAIRS }, () => [200, 400]));
    } finally {
      await b.close();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
      await a.stop();
    }
  }, 120_000);
});
