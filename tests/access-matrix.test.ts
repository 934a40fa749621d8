import type * as NodeCrypto from 'node:crypto';
import { scrypt, timingSafeEqual } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { buildApp } from '../services/api/src/app';
import { equalInConstantTime, sha256Hex } from '../services/api/src/auth/secrets';
import type { PzApp } from '../services/api/src/http/app-types';
import { startTestServer } from '../services/api/src/testing';
import { CALLERS, credentialHeaders, type CallerName } from './access/callers';
import { MATRIX, type Outcome } from './access/matrix';
import { appRoutes } from './access/route-table';
import { buildWorld, PASSWORD, type World } from './access/world';

// A pass-through spy: proves the server's secret comparisons go through node's timingSafeEqual.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof NodeCrypto>();
  return { ...actual, default: actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const matches = (outcome: Outcome, status: number) => (outcome === 'ok' ? status >= 200 && status < 400 : status === outcome);

const setCookies = (value: unknown): string[] => ([] as string[]).concat((value as string | string[] | undefined) ?? []);

for (const backend of testBackends()) {
  describe(`access matrix (${backend.name})`, () => {
    let world: World;

    // Generous: on a loaded machine booting PGlite alone can take most of a minute.
    beforeAll(async () => {
      const started = Date.now();
      const server = await startTestServer(backend);
      const booted = Date.now();
      world = await buildWorld(server);
      console.log(`access matrix (${backend.name}): server ${booted - started} ms, fixtures ${Date.now() - booted} ms`);
    }, 240_000);
    afterAll(async () => world?.server.stop());

    it('has a matrix entry for every route the app serves, and none for a route it does not', () => {
      const served = appRoutes(world.server.app);
      const missing = served.filter((key) => !(key in MATRIX));
      const stale = Object.keys(MATRIX).filter((key) => !served.includes(key as (typeof served)[number]));
      expect({ missing, stale }).toEqual({ missing: [], stale: [] });
      expect(served.length).toBeGreaterThan(100);
    });

    it('answers every caller on every route as the matrix says', async () => {
      const failures: string[] = [];
      let cells = 0;
      for (const key of appRoutes(world.server.app)) {
        const method = key.slice(0, key.indexOf(' ')) as 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
        for (const entry of MATRIX[key] ?? []) {
          const cell = async (caller: CallerName) => {
            const request = await entry.request(world, caller);
            const reply = await world.call({ method, url: request.url, payload: request.payload, headers: { ...credentialHeaders(world, caller), ...request.headers } });
            entry.after?.(world, caller, reply);
            const where = `${key} [${entry.label}] as ${caller}`;
            const expected = entry.expect[caller];
            if (!matches(expected, reply.status)) failures.push(`${where}: expected ${expected}, got ${reply.status} ${reply.text.slice(0, 160)}`);
            const problem = entry.check?.(world, caller, reply);
            if (problem) failures.push(`${where}: ${problem}`);
            if (reply.status >= 400 && world.names.some((name) => reply.text.includes(name))) failures.push(`${where}: the ${reply.status} answer names a product`);
          };
          // Reads run side by side; writes one after another (a token rotation changes the next caller's token).
          if (SAFE_METHODS.has(method)) await Promise.all(CALLERS.map(cell));
          else for (const caller of CALLERS) await cell(caller);
          cells += CALLERS.length;
        }
      }
      console.log(`access matrix (${backend.name}): ${cells} cells checked`);
      expect(failures).toEqual([]);
    });

    it('keeps tokens, share keys and passwords only as hashes: in the read models and in every ledger event', async () => {
      const tokens = await world.server.deps.catalogue.selectFrom('api_tokens').selectAll().execute();
      expect(tokens.length).toBeGreaterThan(3);
      expect(tokens.every((t) => /^[0-9a-f]{64}$/.test(t.token_hash))).toBe(true);
      const aliceToken = world.alice.auth.slice('Token '.length);
      expect(tokens.filter((t) => t.token_hash === sha256Hex(aliceToken) && t.active)).toHaveLength(1);
      expect(tokens.find((t) => t.token_hash === sha256Hex(world.revokedAuth.slice('Token '.length)))?.active).toBe(false);

      const dump = async (table: string) =>
        (await sql<{ row: string }>`SELECT row_to_json(t)::text AS row FROM ${sql.table(table)} t`.execute(world.server.deps.database.kysely)).rows.map((r) => r.row).join('\n');
      const events = await dump('events');
      expect(events).toContain('ApiTokenIssued');
      const stored = [events, await dump('api_tokens'), await dump('users'), await dump('product_shares')].join('\n');
      const leaked = world.secrets.filter((secret) => stored.includes(secret));
      expect(leaked).toEqual([]);
      expect(world.secrets.length).toBeGreaterThan(8);
    });

    it('hashes passwords with scrypt (N=2^15, r=8, p=1, 16-byte salt, 32-byte key)', async () => {
      const alice = await world.server.deps.catalogue.selectFrom('users').select('password_hash').where('username', '=', 'alice').executeTakeFirstOrThrow();
      const match = /^scrypt\$32768\$8\$1\$([A-Za-z0-9+/]{22}==)\$([A-Za-z0-9+/]{43}=)$/.exec(alice.password_hash);
      expect(match, alice.password_hash).not.toBeNull();
      const [, salt, key] = match as RegExpExecArray;
      // Recomputed here with node's scrypt: the stored form is what it says it is.
      const derived = await new Promise<Buffer>((resolve, reject) =>
        scrypt(PASSWORD.normalize('NFKC'), Buffer.from(salt as string, 'base64'), 32, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (e, k) => (e ? reject(e) : resolve(k))));
      expect(derived.toString('base64')).toBe(key);
    });

    it('compares secrets in constant time', async () => {
      expect(equalInConstantTime('a'.repeat(64), 'a'.repeat(64))).toBe(true);
      expect(equalInConstantTime('a'.repeat(64), `${'a'.repeat(63)}b`)).toBe(false);
      expect(equalInConstantTime('abc', 'abcd')).toBe(false);
      const spy = vi.mocked(timingSafeEqual);
      // A token read from the table is compared there; a kept answer (catalogue unchanged since)
      // is found by the token's sha256 alone, as the table's index finds it. Move the catalogue
      // first, so that this request reads the table.
      expect((await world.call({ method: 'POST', url: '/api/products/', headers: { authorization: world.bob.auth }, payload: { display_name: 'Token compared', product_type: 'other' } })).status).toBe(201);
      spy.mockClear();
      const token = world.bob.auth.slice('Token '.length);
      expect((await world.call({ method: 'GET', url: '/api/', headers: { authorization: world.bob.auth } })).status).toBe(200);
      const hash = Buffer.from(sha256Hex(token));
      expect(spy.mock.calls.some(([a, b]) => Buffer.from(a as Uint8Array).equals(hash) && Buffer.from(b as Uint8Array).equals(hash))).toBe(true);
      spy.mockClear();
      expect((await world.call({ method: 'POST', url: '/api/products/', headers: { cookie: world.session.cookie, 'x-csrftoken': world.session.csrf }, payload: { display_name: 'CSRF compared', product_type: 'other' } })).status).toBe(201);
      expect(spy.mock.calls.some(([, b]) => Buffer.from(b as Uint8Array).toString() === world.session.csrf)).toBe(true);
    });

    it('refuses a share key, a download link or a session value offered as an API token', async () => {
      for (const value of [world.shares.valid, world.downloadTokens.zip, world.session.cookie]) {
        expect((await world.call({ method: 'GET', url: '/api/', headers: { authorization: `Token ${value}` } })).status).toBe(401);
      }
      expect((await world.call({ method: 'GET', url: '/api/', headers: { cookie: `pz_session=${world.downloadTokens.zip}` } })).status).toBe(401);
    });

    it('rate-limits login, sign-up and token rotation per client address (429)', async () => {
      /** `limit + 1` attempts from one address, one after another (the limiter's memory store counts a same-tick burst as all over). */
      const hammer = async (limit: number, options: InjectOptions) => {
        const statuses: number[] = [];
        for (let i = 0; i <= limit; i++) statuses.push((await world.call({ remoteAddress: '192.0.2.10', ...options })).status);
        return statuses;
      };
      // Every attempt counts, a malformed one too (the limiter runs before validation and before scrypt).
      const wrongPassword = { username: 'alice', password: 'wrong password' };
      expect((await world.call({ remoteAddress: '192.0.2.10', method: 'POST', url: '/api/auth/login/', payload: wrongPassword })).status).toBe(401);
      expect(await hammer(9, { method: 'POST', url: '/api/auth/login/', payload: { username: 'alice' } })).toEqual([...Array<number>(9).fill(400), 429]);
      for (const password of ['wrong password', PASSWORD]) {
        const blocked = await world.call({ remoteAddress: '192.0.2.10', method: 'POST', url: '/api/auth/login/', payload: { username: 'alice', password } });
        expect(blocked.status).toBe(429);
        expect(blocked.body.code).toBe('RATE_LIMITED');
      }
      expect(await hammer(10, { method: 'POST', url: '/api/auth/register/', payload: { username: 'x' } })).toEqual([...Array<number>(10).fill(400), 429]);
      expect(await hammer(20, { method: 'POST', url: '/api/get_token/' })).toEqual([...Array<number>(20).fill(401), 429]);
      expect((await world.call({ remoteAddress: '192.0.2.10', method: 'POST', url: '/api/get_token/', headers: { authorization: world.bob.auth } })).status).toBe(429);
      // A client cannot dodge the limit by naming another address in X-Forwarded-For.
      const forwarded = await world.call({ remoteAddress: '192.0.2.10', method: 'POST', url: '/api/get_token/', headers: { authorization: world.bob.auth, 'x-forwarded-for': '198.51.100.7' } });
      expect(forwarded.status).toBe(429);
      expect(forwarded.body.detail).toMatch(/too many attempts; retry in \d+ s/);
      // Another client is not held back by the first one's attempts.
      expect((await world.call({ method: 'POST', url: '/api/auth/login/', payload: { username: 'alice', password: PASSWORD } })).status).toBe(200);
    });

    it('sets the session cookie HttpOnly and SameSite, and Secure under SECURE_COOKIES or behind TLS', async () => {
      const cookiesOf = async (app: PzApp, headers: Record<string, string> = {}) => {
        const reply = await app.inject({ method: 'POST', url: '/api/auth/login/', remoteAddress: '192.0.2.20', headers, payload: { username: 'alice', password: PASSWORD } });
        expect(reply.statusCode).toBe(200);
        const cookies = setCookies(reply.headers['set-cookie']);
        return { session: cookies.find((c) => c.startsWith('pz_session=')) ?? '', csrf: cookies.find((c) => c.startsWith('pz_csrf=')) ?? '' };
      };
      const plain = await cookiesOf(world.server.app);
      expect(plain.session).toMatch(/; HttpOnly/i);
      expect(plain.session).toMatch(/; SameSite=Lax/i);
      expect(plain.session).not.toMatch(/; Secure/i);
      // The CSRF cookie is read by the portal's script (double submit), so it is not HttpOnly.
      expect(plain.csrf).toMatch(/; SameSite=Lax/i);
      expect(plain.csrf).not.toMatch(/HttpOnly/i);

      // X-Forwarded-Proto counts only from a trusted proxy (TRUST_PROXY); by default it is ignored.
      const spoofed = await cookiesOf(world.server.app, { 'x-forwarded-proto': 'https' });
      expect(spoofed.session).not.toMatch(/; Secure/i);
      const deps = world.server.deps;
      const proxiedApp = await buildApp({ ...deps, config: { ...deps.config, trustProxy: ['192.0.2.20'] } });
      try {
        const behindTls = await cookiesOf(proxiedApp, { 'x-forwarded-proto': 'https' });
        expect(behindTls.session).toMatch(/; Secure/i);
        expect(behindTls.session).toMatch(/; HttpOnly/i);
        expect(behindTls.csrf).toMatch(/; Secure/i);
      } finally {
        await proxiedApp.close();
      }

      const secureApp = await buildApp({ ...deps, config: { ...deps.config, secureCookies: true } });
      try {
        const secure = await cookiesOf(secureApp);
        for (const cookie of [secure.session, secure.csrf]) {
          expect(cookie).toMatch(/; Secure/i);
          expect(cookie).toMatch(/; SameSite=Lax/i);
        }
        expect(secure.session).toMatch(/; HttpOnly/i);
      } finally {
        await secureApp.close();
      }
    });
  });
}
