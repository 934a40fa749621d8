import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomFetch } from 'openid-client';
import { err, ok, streamName, type PzEvent } from '@pz/contracts';
import { testBackends } from '@pz/database/testing';
import { identityStream } from '@pz/api/auth/oidc/identity-login';
import { LOGIN_STATE_COOKIE, openLoginState, sealLoginState } from '@pz/api/auth/oidc/login-state';
import { systemContext, type CommandContext } from '@pz/api/commands/command-context';
import { identityDecider } from '@pz/domain';
import { startTestServer, type TestServer } from '@pz/api/testing';
import { startTestIdentityProvider, type TestIdentityProvider } from './test-identity-provider';

const CALLBACK = 'http://pz.test/api/auth/oidc/callback/';
const SCOPES = 'openid profile email groups';

/** The name=value of each cookie a response sets. */
const cookiesOf = (headers: Record<string, unknown>): Record<string, string> => {
  const raw = headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  return Object.fromEntries(list.map((c: string) => {
    const [pair] = c.split(';');
    const at = (pair ?? '').indexOf('=');
    return [(pair ?? '').slice(0, at), (pair ?? '').slice(at + 1)];
  }));
};

interface GroupCall {
  readonly userId: number;
  readonly groups: readonly string[];
  readonly context: CommandContext;
}

for (const backend of testBackends()) {
  describe(`login through an OpenID Connect provider (${backend.name})`, () => {
    let idp: TestIdentityProvider;
    let server: TestServer;
    const groupCalls: GroupCall[] = [];
    /** Set by a test to rewrite the provider's token answers on their way to the server. */
    let rewriteTokens: ((body: Record<string, unknown>) => Promise<Record<string, unknown>>) | null = null;
    const interceptingFetch: CustomFetch = async (url, options) => {
      const response = await fetch(url, options);
      if (!rewriteTokens || !url.endsWith('/token')) return response;
      const body = await rewriteTokens((await response.json()) as Record<string, unknown>);
      return new Response(JSON.stringify(body), { status: response.status, headers: { 'content-type': 'application/json' } });
    };

    beforeAll(async () => {
      idp = await startTestIdentityProvider([
        { client_id: 'pz', client_secret: 'pz-client-secret', redirect_uris: [CALLBACK], grant_types: ['authorization_code'], response_types: ['code'] },
        { client_id: 'other-app', client_secret: 'other-client-secret', redirect_uris: ['http://other.test/cb'], grant_types: ['authorization_code'], response_types: ['code'] },
      ]);
      server = await startTestServer(backend, {
        OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: 'pz', OIDC_CLIENT_SECRET: 'pz-client-secret', OIDC_SCOPES: SCOPES, OIDC_DISPLAY_NAME: 'Rubin IdP',
      }, {
        syncIdentityGroups: async (userId, groups, context) => {
          groupCalls.push({ userId, groups, context });
          return groups.includes('unsyncable') ? err({ code: 'CONFLICT', message: 'the groups are being changed by many clients at once' }) : ok(undefined);
        },
        identityProvider: { fetch: interceptingFetch },
      });
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
      await idp?.close();
    });

    /** Each call from its own address: these tests log in more often than the per-address rate limit allows one browser. */
    let calls = 0;
    const nextAddress = () => `127.1.${Math.floor(calls / 250)}.${(calls++ % 250) + 1}`;
    /** Starts a login at our server; the provider's URL and the login-state cookie. */
    const start = async (next?: string) => {
      const started = await server.app.inject({ method: 'GET', remoteAddress: nextAddress(), url: `/api/auth/oidc/login/${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}` });
      expect(started.statusCode).toBe(303);
      const cookie = cookiesOf(started.headers)[LOGIN_STATE_COOKIE];
      expect(cookie).toBeTruthy();
      return { location: String(started.headers.location), cookie: cookie as string };
    };
    /** The browser's return to our callback. */
    const callback = (returned: URL, cookie: string | undefined) =>
      server.app.inject({ method: 'GET', remoteAddress: nextAddress(), url: `/api/auth/oidc/callback/${returned.search}`, ...(cookie === undefined ? {} : { cookies: { [LOGIN_STATE_COOKIE]: cookie } }) });
    /** A whole login as `login` at the provider: the callback's answer. */
    const logIn = async (login: string, next?: string) => {
      const { location, cookie } = await start(next);
      return callback(await idp.signIn(location, login), cookie);
    };
    /** The browser is sent back to the login page with the code the portal words, and is not signed in. */
    const refusedWith = (answer: { statusCode: number; headers: Record<string, unknown> }, code: string) => {
      expect(answer.statusCode).toBe(303);
      const location = new URL(String(answer.headers.location), 'http://pz.test');
      expect(location.pathname).toBe('/login');
      expect(location.searchParams.get('login_error')).toBe(code);
      expect(cookiesOf(answer.headers).pz_session).toBeUndefined();
    };
    /** The login module's own answer to a callback, with the reason the route only logs. */
    const finish = (returned: URL, cookie: string) => {
      if (!server.deps.oidcLogin) throw new Error('no identity provider configured');
      return server.deps.oidcLogin.finish(returned.search, cookie, { requestId: 'test' });
    };
    const refusedBecause = (pattern: RegExp) => ({ ok: false, error: { code: 'OIDC_ANSWER_REFUSED', message: expect.stringMatching(pattern) } });
    const loggedUser = async (session: string) => {
      const answer = await server.app.inject({ method: 'GET', url: '/api/logged_user/', cookies: { pz_session: session } });
      expect(answer.statusCode).toBe(200);
      return answer.json() as { id: number; username: string; first_name: string; last_name: string };
    };
    const eventsOf = async (stream: string): Promise<PzEvent[]> => (await server.deps.store.readStream(stream)).map((e) => ({ type: e.type, data: e.data }) as PzEvent);

    it('names the provider for the portal\'s button', async () => {
      const answer = await server.app.inject({ method: 'GET', url: '/api/auth/providers/' });
      expect(answer.json()).toEqual({ providers: [{ id: 'oidc', name: 'Rubin IdP', login_url: '/api/auth/oidc/login/' }] });
    });

    it('sends the browser to the provider with PKCE (S256), state and nonce, which the signed cookie keeps', async () => {
      const { location, cookie } = await start('/me/token');
      const url = new URL(location);
      expect(url.origin).toBe(idp.issuer);
      expect(Object.fromEntries(url.searchParams)).toMatchObject({ client_id: 'pz', response_type: 'code', redirect_uri: CALLBACK, scope: SCOPES, code_challenge_method: 'S256' });
      const kept = openLoginState(server.deps.keyring, cookie);
      expect(kept).toMatchObject({ state: url.searchParams.get('state'), nonce: url.searchParams.get('nonce'), next: '/me/token' });
      expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(url.searchParams.get('code_challenge')).not.toBe(kept?.codeVerifier);
    });

    it('creates the user on the first login from the ID token claims, signs them in, and their API token works', async () => {
      idp.accounts.set('sub-vera', { preferred_username: 'vrubin', given_name: 'Vera', family_name: 'Rubin', email: 'vera@example.org', groups: ['dp1', 'rubin'] });
      const answer = await logIn('sub-vera', '/me/token');
      expect(answer.statusCode).toBe(303);
      expect(answer.headers.location).toBe('/me/token');
      const cookies = cookiesOf(answer.headers);
      expect(cookies.pz_session).toBeTruthy();
      expect(cookies.pz_csrf).toBeTruthy();
      const user = await loggedUser(cookies.pz_session as string);
      expect(user).toMatchObject({ username: 'vrubin', first_name: 'Vera', last_name: 'Rubin' });
      // Linked by an event in the identity's own stream, registered without a password.
      expect(await eventsOf(identityStream(idp.issuer, 'sub-vera'))).toEqual([{ type: 'IdentityLinked', data: { issuer: idp.issuer, subject: 'sub-vera', userId: user.id, username: 'vrubin' } }]);
      expect(await eventsOf(streamName('user', 'vrubin'))).toMatchObject([{ type: 'UserRegistered', data: { userId: user.id, email: 'vera@example.org', passwordHash: '', isAdmin: false } }]);
      const local = await server.app.inject({ method: 'POST', url: '/api/auth/login/', payload: { username: 'vrubin', password: '' } });
      expect(local.statusCode).toBe(401);
      // The token, asked for with the session like a local user, opens the API.
      const issued = await server.app.inject({ method: 'POST', url: '/api/get_token/', cookies: { pz_session: cookies.pz_session as string, pz_csrf: cookies.pz_csrf as string }, headers: { 'x-csrftoken': cookies.pz_csrf as string } });
      expect(issued.statusCode).toBe(200);
      const token = (issued.json() as { token: string }).token;
      const products = await server.app.inject({ method: 'GET', url: '/api/products/', headers: { authorization: `Token ${token}` } });
      expect(products.statusCode).toBe(200);
      const me = await server.app.inject({ method: 'GET', url: '/api/logged_user/', headers: { authorization: `Token ${token}` } });
      expect(me.json()).toMatchObject({ id: user.id, username: 'vrubin' });
    });

    it('passes the group claim of every login to the groups port, a changed claim included', async () => {
      idp.accounts.set('sub-gil', { preferred_username: 'gil', groups: ['dp1', 'rubin'] });
      const first = await logIn('sub-gil');
      const gil = await loggedUser(cookiesOf(first.headers).pz_session as string);
      idp.accounts.set('sub-gil', { preferred_username: 'gil', groups: 'dp1, lsst-sci' });
      await logIn('sub-gil');
      idp.accounts.set('sub-gil', { preferred_username: 'gil' });
      await logIn('sub-gil');
      const calls = groupCalls.filter((c) => c.userId === gil.id);
      expect(calls.map((c) => c.groups)).toEqual([['dp1', 'rubin'], ['dp1', 'lsst-sci'], []]);
      expect(calls[0]?.context.actor).toEqual({ kind: 'user', userId: gil.id, username: 'gil' });
    });

    it('refuses the login when the groups cannot be brought up to date', async () => {
      idp.accounts.set('sub-otto', { preferred_username: 'otto', groups: ['dp1', 'unsyncable'] });
      refusedWith(await logIn('sub-otto'), 'OIDC_GROUPS_NOT_SYNCED');
      idp.accounts.set('sub-otto', { preferred_username: 'otto', groups: ['dp1'] });
      expect((await loggedUser(cookiesOf((await logIn('sub-otto')).headers).pz_session as string)).username).toBe('otto');
    });

    it('logs the same identity in as the same user later, recording a new name or email only when it changed', async () => {
      idp.accounts.set('sub-ana', { preferred_username: 'ana', given_name: 'Ana', family_name: 'Souza', email: 'ana@example.org' });
      const first = await loggedUser(cookiesOf((await logIn('sub-ana')).headers).pz_session as string);
      const again = await loggedUser(cookiesOf((await logIn('sub-ana')).headers).pz_session as string);
      expect(again.id).toBe(first.id);
      idp.accounts.set('sub-ana', { preferred_username: 'ana.souza', given_name: 'Ana', family_name: 'Souza Lima', email: 'ana@example.org' });
      const renamed = await loggedUser(cookiesOf((await logIn('sub-ana')).headers).pz_session as string);
      // The username stays: it names the account's stream and the products' owner.
      expect(renamed).toMatchObject({ id: first.id, username: 'ana', last_name: 'Souza Lima' });
      await logIn('sub-ana');
      const events = await eventsOf(streamName('user', 'ana'));
      expect(events.map((e) => e.type)).toEqual(['UserRegistered', 'UserProfileChanged']);
      expect(events[1]).toEqual({ type: 'UserProfileChanged', data: { userId: first.id, firstName: 'Ana', lastName: 'Souza Lima', email: 'ana@example.org' } });
    });

    it('never hands an existing local account to an identity whose name matches it', async () => {
      const local = await server.createUser('carla');
      idp.accounts.set('sub-carla', { preferred_username: 'carla', email: 'carla@example.org' });
      const viaIdp = await loggedUser(cookiesOf((await logIn('sub-carla')).headers).pz_session as string);
      expect(viaIdp.id).not.toBe(local.userId);
      expect(viaIdp.username).toBe('carla-2');
      idp.accounts.set('sub-other-carla', { preferred_username: 'Carla' });
      const twin = await loggedUser(cookiesOf((await logIn('sub-other-carla')).headers).pz_session as string);
      expect(twin.username).toBe('Carla-3');
      const stillLocal = await server.app.inject({ method: 'GET', url: '/api/logged_user/', headers: { authorization: local.auth } });
      expect(stillLocal.json()).toMatchObject({ id: local.userId, username: 'carla' });
    });

    /** The link a first login writes before registering the account, as if the login had stopped there. */
    const linkOnly = async (subject: string, username: string) => {
      const [userId] = await server.deps.allocateIds('user');
      const linked = await server.deps.bus.execute(identityDecider, identityStream(idp.issuer, subject), {
        type: 'LinkIdentity', issuer: idp.issuer, subject, userId: userId as number, username, replaces: null,
      }, systemContext(randomUUID()));
      expect(linked.ok).toBe(true);
      return userId as number;
    };

    it('finishes a first login that stopped between the link and the registration', async () => {
      const userId = await linkOnly('sub-zed', 'zed');
      idp.accounts.set('sub-zed', { preferred_username: 'zed', given_name: 'Zed' });
      const user = await loggedUser(cookiesOf((await logIn('sub-zed')).headers).pz_session as string);
      expect(user).toMatchObject({ id: userId, username: 'zed', first_name: 'Zed' });
    });

    it('links the identity anew when the username of its unfinished first login was taken meanwhile', async () => {
      const linkedId = await linkOnly('sub-yan', 'yan');
      const local = await server.createUser('yan');
      idp.accounts.set('sub-yan', { preferred_username: 'yan' });
      const user = await loggedUser(cookiesOf((await logIn('sub-yan')).headers).pz_session as string);
      expect(user.username).toBe('yan-2');
      expect([linkedId, local.userId]).not.toContain(user.id);
      expect((await eventsOf(identityStream(idp.issuer, 'sub-yan'))).map((e) => e.type === 'IdentityLinked' && e.data.username)).toEqual(['yan', 'yan-2']);
      // The local account is untouched, and the identity keeps its new account.
      expect((await loggedUser(cookiesOf((await logIn('sub-yan')).headers).pz_session as string)).id).toBe(user.id);
    });

    it('rate-limits login starts per client address', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 31; i++) statuses.push((await server.app.inject({ method: 'GET', remoteAddress: '127.2.0.1', url: '/api/auth/oidc/login/' })).statusCode);
      expect(statuses).toEqual([...Array<number>(30).fill(303), 429]);
    });

    it('makes one account of four first logins of the same identity at once', async () => {
      idp.accounts.set('sub-mia', { preferred_username: 'mia' });
      const logins = await Promise.all([start(), start(), start(), start()]);
      const returned = await Promise.all(logins.map((l) => idp.signIn(l.location, 'sub-mia')));
      const answers = await Promise.all(logins.map((l, i) => callback(returned[i] as URL, l.cookie)));
      const users = await Promise.all(answers.map((a) => loggedUser(cookiesOf(a.headers).pz_session as string)));
      expect(new Set(users.map((u) => `${u.id} ${u.username}`))).toEqual(new Set([`${users[0]?.id} mia`]));
      expect(await server.deps.catalogue.selectFrom('users').select('username').where('username', 'like', 'mia%').execute()).toEqual([{ username: 'mia' }]);
    });

    it('refuses an answer whose state is not the one this browser\'s login started with', async () => {
      idp.accounts.set('sub-dan', { preferred_username: 'dan' });
      const { location, cookie } = await start();
      const returned = await idp.signIn(location, 'sub-dan');
      const other = await start();
      refusedWith(await callback(returned, other.cookie), 'OIDC_STATE_MISMATCH');
      const forged = new URL(returned);
      forged.searchParams.set('state', 'attacker-chosen');
      refusedWith(await callback(forged, cookie), 'OIDC_STATE_MISMATCH');
    });

    it('refuses an answer without the login cookie, or with one that is forged or expired', async () => {
      idp.accounts.set('sub-eve', { preferred_username: 'eve' });
      const { location, cookie } = await start();
      const returned = await idp.signIn(location, 'sub-eve');
      refusedWith(await callback(returned, undefined), 'OIDC_LOGIN_EXPIRED');
      refusedWith(await callback(returned, `${cookie}x`), 'OIDC_LOGIN_EXPIRED');
      const login = openLoginState(server.deps.keyring, cookie);
      if (!login) throw new Error('unreadable login state');
      refusedWith(await callback(returned, sealLoginState(server.deps.keyring, login, Date.now() - 11 * 60_000)), 'OIDC_LOGIN_EXPIRED');
    });

    it('says so when the person cancelled at the provider', async () => {
      idp.accounts.set('sub-nils', { preferred_username: 'nils' });
      const { location, cookie } = await start();
      const cancelled = await idp.signIn(location, 'sub-nils', { cancel: true });
      expect(cancelled.searchParams.get('error')).toBe('access_denied');
      refusedWith(await callback(cancelled, cookie), 'OIDC_LOGIN_DENIED');
    });

    it('refuses an ID token whose nonce is not the login\'s', async () => {
      idp.accounts.set('sub-fay', { preferred_username: 'fay' });
      const { location, cookie } = await start();
      const returned = await idp.signIn(location, 'sub-fay');
      const login = openLoginState(server.deps.keyring, cookie);
      if (!login) throw new Error('unreadable login state');
      expect(await finish(returned, sealLoginState(server.deps.keyring, { ...login, nonce: 'another-nonce' }))).toEqual(refusedBecause(/nonce/));
    });

    it('refuses an ID token the provider issued to another application (wrong audience)', async () => {
      idp.accounts.set('sub-hal', { preferred_username: 'hal' });
      const { location, cookie } = await start();
      const nonce = openLoginState(server.deps.keyring, cookie)?.nonce ?? '';
      // A genuine ID token of the same provider, same person and same nonce, for another client.
      const otherUrl = new URL('/auth', idp.issuer);
      const verifier = 'v'.repeat(50);
      const challenge = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))).toString('base64url');
      otherUrl.search = new URLSearchParams({ client_id: 'other-app', response_type: 'code', redirect_uri: 'http://other.test/cb', scope: 'openid', nonce, state: 's', code_challenge: challenge, code_challenge_method: 'S256' }).toString();
      const otherCode = (await idp.signIn(otherUrl.href, 'sub-hal')).searchParams.get('code') ?? '';
      const otherTokens = await fetch(new URL('/token', idp.issuer), {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from('other-app:other-client-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: otherCode, redirect_uri: 'http://other.test/cb', code_verifier: verifier }),
      });
      const foreignIdToken = ((await otherTokens.json()) as { id_token: string }).id_token;
      expect(foreignIdToken).toBeTruthy();
      rewriteTokens = async (body) => ({ ...body, id_token: foreignIdToken });
      try {
        expect(await finish(await idp.signIn(location, 'sub-hal'), cookie)).toEqual(refusedBecause(/"aud"/));
      } finally {
        rewriteTokens = null;
      }
    });

    it('refuses an ID token whose signature the provider\'s keys do not verify', async () => {
      idp.accounts.set('sub-ivo', { preferred_username: 'ivo' });
      rewriteTokens = async (body) => {
        const [header, payload] = String(body.id_token).split('.');
        return { ...body, id_token: `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}` };
      };
      try {
        const { location, cookie } = await start();
        expect(await finish(await idp.signIn(location, 'sub-ivo'), cookie)).toEqual(refusedBecause(/signature/i));
        refusedWith(await logIn('sub-ivo'), 'OIDC_ANSWER_REFUSED');
      } finally {
        rewriteTokens = null;
      }
    });

    it('refuses a code used twice', async () => {
      idp.accounts.set('sub-joe', { preferred_username: 'joe' });
      const { location, cookie } = await start();
      const returned = await idp.signIn(location, 'sub-joe');
      expect((await callback(returned, cookie)).headers.location).toBe('/');
      refusedWith(await callback(returned, cookie), 'OIDC_ANSWER_REFUSED');
      expect(await finish(returned, cookie)).toEqual(refusedBecause(/invalid_grant/));
    });

    it('lands only on a page of this site, whatever `next` says', async () => {
      idp.accounts.set('sub-kim', { preferred_username: 'kim' });
      for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
        const answer = await logIn('sub-kim', next);
        expect(answer.headers.location, next).toBe('/');
      }
      expect((await logIn('sub-kim', '/products/user?q=x')).headers.location).toBe('/products/user?q=x');
    });

    it.runIf(backend.name === 'postgres')('reads the login cookie in another app process on the same database and secret', async () => {
      const { openDatabase } = await import('@pz/database');
      const { startServices } = await import('@pz/api/server');
      const { loadConfig } = await import('@pz/config');
      const { mkdtempSync, rmSync } = await import('node:fs');
      const os = await import('node:os');
      const path = await import('node:path');
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-oidc-b-'));
      const database = await openDatabase({ url: process.env.DATABASE_URL, schema: server.deps.database.schema });
      const b = await startServices(loadConfig({
        DATA_DIR: dataDir, PZ_SECRET: 'test-secret-0123456789', PUBLIC_URL: 'http://pz.test', DATABASE_URL: process.env.DATABASE_URL,
        OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: 'pz', OIDC_CLIENT_SECRET: 'pz-client-secret', OIDC_SCOPES: SCOPES,
      }), { database });
      try {
        idp.accounts.set('sub-lia', { preferred_username: 'lia' });
        const { location, cookie } = await start();
        const returned = await idp.signIn(location, 'sub-lia');
        const answer = await b.app.inject({ method: 'GET', url: `/api/auth/oidc/callback/${returned.search}`, cookies: { [LOGIN_STATE_COOKIE]: cookie } });
        expect(answer.headers.location).toBe('/');
        const session = cookiesOf(answer.headers).pz_session as string;
        // And the session it started is good on the first process too.
        expect(await loggedUser(session)).toMatchObject({ username: 'lia' });
      } finally {
        await b.close();
        await database.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}

describe('without an identity provider', () => {
  it('lists none, and the login routes answer 404', async () => {
    const [backend] = testBackends();
    const server = await startTestServer(backend as NonNullable<typeof backend>);
    try {
      expect((await server.app.inject({ method: 'GET', url: '/api/auth/providers/' })).json()).toEqual({ providers: [] });
      expect((await server.app.inject({ method: 'GET', url: '/api/auth/oidc/login/' })).statusCode).toBe(404);
      expect((await server.app.inject({ method: 'GET', url: '/api/auth/oidc/callback/?code=x&state=y' })).statusCode).toBe(404);
    } finally {
      await server.stop();
    }
  });
  it('sends the browser back to the login page, saying so, when the provider cannot be reached', async () => {
    const [backend] = testBackends();
    const server = await startTestServer(backend as NonNullable<typeof backend>, { OIDC_ISSUER: 'http://127.0.0.1:9/', OIDC_CLIENT_ID: 'pz' });
    try {
      const answer = await server.app.inject({ method: 'GET', url: '/api/auth/oidc/login/' });
      expect(answer.statusCode).toBe(303);
      expect(new URL(String(answer.headers.location), 'http://pz.test').searchParams.get('login_error')).toBe('OIDC_PROVIDER_UNREACHABLE');
    } finally {
      await server.stop();
    }
  });
});
