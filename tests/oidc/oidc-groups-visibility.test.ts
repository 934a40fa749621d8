import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { startTestServer, type TestServer } from '@pz/api/testing';
import { LOGIN_STATE_COOKIE } from '@pz/api/auth/oidc/login-state';
import { startTestIdentityProvider, type TestIdentityProvider } from './test-identity-provider';

const SCOPES = 'openid profile email groups';

const sessionCookie = (headers: Record<string, unknown>, name: string): string | undefined => {
  const raw = headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  const found = list.map((c: string) => (c.split(';')[0] ?? '')).find((pair) => pair.startsWith(`${name}=`));
  return found?.slice(name.length + 1);
};

/**
 * The two halves of issue 17 together, as deployed: the identity provider's group claim (OIDC
 * login, wired to syncIdentityGroups) decides which restricted releases a person sees, and a
 * claim that changes between two logins changes it.
 */
for (const backend of testBackends()) {
  describe(`groups from the identity provider open restricted releases (${backend.name})`, () => {
    let idp: TestIdentityProvider;
    let server: TestServer;
    let productId = 0;
    let address = 0;

    beforeAll(async () => {
      idp = await startTestIdentityProvider([
        { client_id: 'pz', client_secret: 'pz-client-secret', redirect_uris: ['http://pz.test/api/auth/oidc/callback/'], grant_types: ['authorization_code'], response_types: ['code'] },
      ]);
      server = await startTestServer(backend, { OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: 'pz', OIDC_CLIENT_SECRET: 'pz-client-secret', OIDC_SCOPES: SCOPES });
      const admin = await server.createUser('coordinator', { admin: true });
      const owner = await server.createUser('owner');
      const must = async (method: 'POST' | 'PUT', url: string, auth: string, payload: Record<string, unknown>, status: number) => {
        const answer = await server.app.inject({ method, url, payload, headers: { authorization: auth } });
        expect(answer.statusCode, answer.body).toBe(status);
        return answer.json() as Record<string, unknown>;
      };
      const release = await must('POST', '/api/admin/releases/', admin.auth, { name: 'DP9', display_name: 'Data Preview 9' }, 201);
      // Registered while DP9 was public, then restricted to its data-rights group.
      productId = (await must('POST', '/api/products/', owner.auth, { display_name: 'Restricted training set', product_type: 'training_set', release: 'DP9' }, 201)).id as number;
      await must('POST', '/api/admin/groups/', admin.auth, { name: 'dp9-rights', description: 'DP9 data rights holders' }, 201);
      await must('PUT', `/api/releases/${release.id as number}/access/`, admin.auth, { groups: ['dp9-rights'] }, 200);
    }, 120_000);
    afterAll(async () => {
      await server?.stop();
      await idp?.close();
    });

    /** A whole login as `login` at the provider; the portal session it opens. */
    const logIn = async (login: string): Promise<string> => {
      const remoteAddress = `127.2.0.${++address}`;
      const started = await server.app.inject({ method: 'GET', remoteAddress, url: '/api/auth/oidc/login/' });
      const cookie = sessionCookie(started.headers, LOGIN_STATE_COOKIE);
      const returned = await idp.signIn(String(started.headers.location), login);
      const answer = await server.app.inject({ method: 'GET', remoteAddress, url: `/api/auth/oidc/callback/${returned.search}`, cookies: { [LOGIN_STATE_COOKIE]: cookie ?? '' } });
      expect(answer.statusCode).toBe(303);
      const session = sessionCookie(answer.headers, 'pz_session');
      if (!session) throw new Error(`no session: ${String(answer.headers.location)}`);
      return session;
    };
    const product = (session: string) => server.app.inject({ method: 'GET', url: `/api/products/${productId}/`, cookies: { pz_session: session } });
    const groups = async (session: string) => ((await server.app.inject({ method: 'GET', url: '/api/logged_user/groups/', cookies: { pz_session: session } })).json() as { results?: { name: string }[] });

    it('shows the restricted product to a person whose claim names its group, and stops when the claim drops it', async () => {
      idp.accounts.set('sub-ines', { preferred_username: 'ines', groups: ['dp9-rights', 'rubin'] });
      const first = await logIn('sub-ines');
      expect((await product(first)).statusCode).toBe(200);
      expect(JSON.stringify(await groups(first))).toContain('dp9-rights');

      idp.accounts.set('sub-ines', { preferred_username: 'ines', groups: ['rubin'] });
      const second = await logIn('sub-ines');
      expect((await product(second)).statusCode).toBe(404);
      // The earlier session is the same person: the rule reads the memberships now, not at login.
      expect((await product(first)).statusCode).toBe(404);
      expect(JSON.stringify(await groups(second))).not.toContain('dp9-rights');
    });

    it('never shows it to a person whose claim never named the group', async () => {
      idp.accounts.set('sub-omar', { preferred_username: 'omar', groups: ['dp1'] });
      expect((await product(await logIn('sub-omar'))).statusCode).toBe(404);
    });
  });
}
