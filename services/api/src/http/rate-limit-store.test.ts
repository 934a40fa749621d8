import Fastify from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@pz/database';
import { testBackends, type TestDatabase } from '@pz/database/testing';
import { openRateLimitStore } from './rate-limit-store';

/** A server process: its own Fastify app and database handle, with the shared counters. */
async function processOn(database: Database, timeWindow: number) {
  const app = Fastify();
  await app.register(rateLimit, { global: false, store: await openRateLimitStore(database) });
  app.post('/login', { config: { rateLimit: { max: 3, timeWindow } } }, async () => ({ ok: true }));
  app.post('/token', { config: { rateLimit: { max: 3, timeWindow } } }, async () => ({ ok: true }));
  await app.ready();
  return app;
}

for (const backend of testBackends()) {
  describe(`rate limits shared through the database (${backend.name})`, () => {
    let database: TestDatabase;
    let second: Database;
    beforeEach(async () => {
      database = await backend.open();
      second = backend.name === 'postgres' ? await openDatabase({ url: process.env.DATABASE_URL, schema: database.schema }) : database;
    });
    afterEach(async () => {
      if (second !== database) await second.close();
      await database.drop();
    });

    it('counts attempts through every process together, per route and client, and starts again after the window', async () => {
      const a = await processOn(database, 1500);
      const b = await processOn(second, 1500);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await (i % 2 ? b : a).inject({ method: 'POST', url: '/login' })).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const refused = await a.inject({ method: 'POST', url: '/login' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // Another route, and another client address, have counts of their own.
      expect((await b.inject({ method: 'POST', url: '/token' })).statusCode).toBe(200);
      expect((await b.inject({ method: 'POST', url: '/login', remoteAddress: '10.0.0.9' })).statusCode).toBe(200);
      await new Promise((r) => setTimeout(r, 1700));
      expect((await b.inject({ method: 'POST', url: '/login' })).statusCode).toBe(200);
      await a.close();
      await b.close();
    });
  });
}
