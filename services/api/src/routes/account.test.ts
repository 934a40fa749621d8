import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { startTestServer, type TestServer } from '../testing';

type Json = Record<string, unknown>;

const cookieHeader = (setCookie: string | string[] | undefined) =>
  (Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []).map((c) => c.split(';')[0]).join('; ');

for (const backend of testBackends()) {
  describe(`accounts, sessions and tokens (${backend.name})`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(backend);
    });
    afterAll(async () => server.stop());

    const inject = (method: 'GET' | 'POST' | 'PATCH', url: string, options: { payload?: Json; headers?: Record<string, string> } = {}) =>
      server.app.inject({ method, url, payload: options.payload, headers: options.headers }).then((r) => ({ status: r.statusCode, body: (r.body ? JSON.parse(r.body) : {}) as Json, headers: r.headers }));

    it('signs up, logs in with an HttpOnly SameSite session, and refuses a wrong password', async () => {
      const signup = await inject('POST', '/api/auth/register/', { payload: { username: 'carol', password: 'a long passphrase', first_name: 'Carol' } });
      expect(signup.status).toBe(201);
      expect((await inject('POST', '/api/auth/register/', { payload: { username: 'carol', password: 'another passphrase' } })).status).toBe(409);
      expect((await inject('POST', '/api/auth/register/', { payload: { username: 'bad name!', password: 'a long passphrase' } })).body.field).toBe('username');
      expect((await inject('POST', '/api/auth/register/', { payload: { username: 'dave', password: 'short' } })).status).toBe(400);
      expect((await inject('POST', '/api/auth/login/', { payload: { username: 'carol', password: 'wrong password' } })).status).toBe(401);
      const login = await inject('POST', '/api/auth/login/', { payload: { username: 'carol', password: 'a long passphrase' } });
      expect(login.status).toBe(200);
      const cookies = ([] as string[]).concat(login.headers['set-cookie'] ?? []);
      const session = cookies.find((c) => c.startsWith('pz_session='));
      expect(session).toMatch(/HttpOnly/i);
      expect(session).toMatch(/SameSite=Lax/i);
      expect(session).not.toMatch(/Secure/);
      const me = await inject('GET', '/api/logged_user/', { headers: { cookie: cookieHeader(login.headers['set-cookie']) } });
      expect(me.body).toMatchObject({ username: 'carol', is_admin: false, first_name: 'Carol' });
    });

    it('ends a session on the server at logout: the same cookie, replayed, is anonymous; another sign-in lives on', async () => {
      await inject('POST', '/api/auth/register/', { payload: { username: 'gwen', password: 'a long passphrase' } });
      const signIn = () => inject('POST', '/api/auth/login/', { payload: { username: 'gwen', password: 'a long passphrase' } });
      const [laptop, phone] = [await signIn(), await signIn()];
      const laptopCookie = cookieHeader(laptop.headers['set-cookie']);
      const phoneCookie = cookieHeader(phone.headers['set-cookie']);
      expect((await inject('GET', '/api/logged_user/', { headers: { cookie: laptopCookie } })).status).toBe(200);
      const logout = await inject('POST', '/api/auth/logout/', { headers: { cookie: laptopCookie, 'x-csrftoken': String(laptop.body.csrf_token) } });
      expect(logout.status).toBe(204);
      const replayed = await inject('GET', '/api/logged_user/', { headers: { cookie: laptopCookie } });
      expect(replayed.status).toBe(401);
      expect((await inject('GET', '/api/logged_user/', { headers: { cookie: phoneCookie } })).body).toMatchObject({ username: 'gwen' });
      // A cookie signed with the right key but naming no open session is anonymous too.
      expect((await inject('GET', '/api/logged_user/', { headers: { cookie: laptopCookie.replace(/pz_session=[^;]+/, 'pz_session=eyJ1aWQiOjF9.x') } })).status).toBe(401);
    });

    it('requires the CSRF token for cookie-authenticated writes, then issues a personal token that replaces the old one', async () => {
      await inject('POST', '/api/auth/register/', { payload: { username: 'erin', password: 'a long passphrase' } });
      const login = await inject('POST', '/api/auth/login/', { payload: { username: 'erin', password: 'a long passphrase' } });
      const cookie = cookieHeader(login.headers['set-cookie']);
      const withoutCsrf = await inject('POST', '/api/get_token/', { headers: { cookie } });
      expect(withoutCsrf.status).toBe(403);
      expect(withoutCsrf.body.code).toBe('CSRF_FAILED');
      const first = await inject('POST', '/api/get_token/', { headers: { cookie, 'x-csrftoken': String(login.body.csrf_token) } });
      expect(first.status).toBe(200);
      const token = String(first.body.token);
      expect((await inject('POST', '/api/logged_user/', { headers: { authorization: `Token ${token}` } })).body).toMatchObject({ username: 'erin', is_admin: false });
      const second = await inject('POST', '/api/get_token/', { headers: { authorization: `Token ${token}` } });
      expect(second.status).toBe(200);
      expect((await inject('GET', '/api/', { headers: { authorization: `Token ${token}` } })).status).toBe(401);
      expect((await inject('GET', '/api/', { headers: { authorization: `Token ${String(second.body.token)}` } })).status).toBe(200);
      const events = await server.deps.store.readStream('user-erin');
      expect(events.map((e) => e.type)).toEqual(['UserRegistered', 'ApiTokenIssued', 'ApiTokenIssued']);
      expect(JSON.stringify(events.map((e) => [e.data, e.metadata]))).not.toContain(token);
    });

    it('lets admins, and only admins, add a release', async () => {
      const admin = await server.createUser('root', { admin: true });
      const user = await server.createUser('frank');
      const body = { name: 'DP2', display_name: 'LSST DP2', description: 'second preview' };
      expect((await inject('POST', '/api/admin/releases/', { payload: body, headers: { authorization: user.auth } })).status).toBe(403);
      expect((await inject('POST', '/api/admin/releases/', { payload: body })).status).toBe(401);
      const created = await inject('POST', '/api/admin/releases/', { payload: body, headers: { authorization: admin.auth } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'DP2', display_name: 'LSST DP2', created_at: expect.stringMatching(/Z$/) });
      expect((await inject('POST', '/api/admin/releases/', { payload: body, headers: { authorization: admin.auth } })).status).toBe(409);
      const releases = await inject('GET', '/api/releases/?search=second', { headers: { authorization: user.auth } });
      expect((releases.body.results as Json[]).map((r) => r.name)).toEqual(['DP2']);
    });

    it('rate-limits login attempts', async () => {
      let last = 0;
      for (let i = 0; i < 12; i++) last = (await inject('POST', '/api/auth/login/', { payload: { username: 'nobody', password: 'guess' } })).status;
      expect(last).toBe(429);
    });

    it('publishes an OpenAPI document with request and reply schemas', async () => {
      const doc = await inject('GET', '/api/docs/json');
      expect(doc.status).toBe(200);
      const paths = doc.body.paths as Record<string, Record<string, { responses?: Json; requestBody?: Json }>>;
      expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/api/products/', '/api/products/{id}/', '/api/get_token/', '/api/releases/']));
      expect(paths['/api/products/']?.post?.requestBody).toBeDefined();
      expect(paths['/api/products/{id}/']?.get?.responses?.['200']).toBeDefined();
    });
  });
}
