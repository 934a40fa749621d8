import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { comparePositions, parsePosition, type LogPosition } from '@pz/contracts';
import { loadConfig } from '@pz/config';
import { openDatabase } from '@pz/database';
import { testBackends } from '@pz/database/testing';
import { startServices } from '../server';
import { startTestServer } from '../testing';
import { POSITION_HEADER, noteWritten, readYourWrites } from './read-your-writes';

/** A projector that is at `at`, moved by the test. */
function fakeProjector(at: LogPosition) {
  const waiters: { position: LogPosition; resolve: (reached: boolean) => void }[] = [];
  return {
    move(to: LogPosition) {
      at = to;
      for (const w of waiters.splice(0)) {
        if (comparePositions(at, w.position) >= 0) w.resolve(true);
        else waiters.push(w);
      }
    },
    waitFor(position: LogPosition, timeoutMs = 5000): Promise<boolean> {
      if (comparePositions(at, position) >= 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        waiters.push({ position, resolve });
        setTimeout(() => resolve(false), timeoutMs);
      });
    },
  };
}

async function appWith(mode: 'header' | 'head', projector: ReturnType<typeof fakeProjector>, head: LogPosition = { commit: 0n, prepare: 0n }) {
  const app = Fastify();
  readYourWrites(app, { projector, store: { headPosition: async () => head }, mode, waitMs: 300 });
  app.post('/write', async (request) => {
    noteWritten(request, { commit: 7n, prepare: 3n });
    noteWritten(request, { commit: 5n, prepare: 9n });
    return { ok: true };
  });
  app.get('/read', async () => ({ ok: true }));
  await app.ready();
  return app;
}

const settled = async <T>(promise: Promise<T>, ms: number): Promise<boolean> => Promise.race([promise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('read-your-writes across processes (X-Pz-Position)', () => {
  it('names the furthest position a request wrote, and nothing on a request that wrote none', async () => {
    const app = await appWith('header', fakeProjector({ commit: 0n, prepare: 0n }));
    const write = await app.inject({ method: 'POST', url: '/write' });
    expect(write.headers[POSITION_HEADER]).toBe('7:3');
    expect((await app.inject({ method: 'GET', url: '/read' })).headers[POSITION_HEADER]).toBeUndefined();
  });

  it('answers a request that names a position only once the read models include it; 503 after the bound; 400 for a malformed one', async () => {
    const projector = fakeProjector({ commit: 1n, prepare: 1n });
    const app = await appWith('header', projector);
    const waiting = app.inject({ method: 'GET', url: '/read', headers: { [POSITION_HEADER]: '7:3' } });
    expect(await settled(waiting, 100)).toBe(false);
    projector.move({ commit: 7n, prepare: 3n });
    expect((await waiting).statusCode).toBe(200);
    const late = await app.inject({ method: 'GET', url: '/read', headers: { [POSITION_HEADER]: '9:1' } });
    expect(late.statusCode).toBe(503);
    expect(late.headers['retry-after']).toBe('1');
    expect(late.json()).toMatchObject({ code: 'CATCHING_UP' });
    expect((await app.inject({ method: 'GET', url: '/read', headers: { [POSITION_HEADER]: 'soon' } })).statusCode).toBe(400);
    // Without the header, header mode does not wait.
    expect((await app.inject({ method: 'GET', url: '/read' })).statusCode).toBe(200);
  });

  it('head mode: a GET without the header waits for the log head it arrived at', async () => {
    const projector = fakeProjector({ commit: 1n, prepare: 1n });
    const app = await appWith('head', projector, { commit: 4n, prepare: 4n });
    const waiting = app.inject({ method: 'GET', url: '/read' });
    expect(await settled(waiting, 100)).toBe(false);
    projector.move({ commit: 4n, prepare: 4n });
    expect((await waiting).statusCode).toBe(200);
  });
});

const postgres = testBackends().find((b) => b.name === 'postgres');

describe.runIf(postgres)('read-your-writes through two server processes on one PostgreSQL schema', () => {
  it('a product written and a token issued through A are seen through B when B is sent the position', async () => {
    const a = await startTestServer(postgres as NonNullable<typeof postgres>);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-b-'));
    const database = await openDatabase({ url: process.env.DATABASE_URL, schema: a.deps.database.schema });
    const b = await startServices(loadConfig({ DATA_DIR: dataDir, PZ_SECRET: 'test-secret-0123456789', PUBLIC_URL: 'http://pz.test', DATABASE_URL: process.env.DATABASE_URL }), { database });
    try {
      expect([a.deps.projector.status().role, b.deps.projector.status().role]).toEqual(['leader', 'follower']);
      const alice = await a.createUser('alice');
      const token = await a.app.inject({ method: 'POST', url: '/api/get_token/', headers: { authorization: alice.auth } });
      const issued = token.headers[POSITION_HEADER] as string;
      expect(parsePosition(issued)).not.toBeNull();
      const fresh = `Token ${(token.json() as { token: string }).token}`;
      const created = await a.app.inject({ method: 'POST', url: '/api/products/', headers: { authorization: fresh }, payload: { display_name: 'Written through A', product_type: 'other' } });
      expect(created.statusCode).toBe(201);
      const position = created.headers[POSITION_HEADER] as string;
      const read = await b.app.inject({ method: 'GET', url: `/api/products/${(created.json() as { id: number }).id}/`, headers: { authorization: fresh, [POSITION_HEADER]: position } });
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ display_name: 'Written through A' });
    } finally {
      await b.close();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
      await a.stop();
    }
  });
});
