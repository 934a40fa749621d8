import { createServer, type Server } from 'node:http';
import Provider, { type ClientMetadata } from 'oidc-provider';
import { freePort } from '@pz/api/free-port';

/** The claims the provider tells about one of its accounts (besides `sub`, its login name). */
export type AccountClaims = Record<string, string | string[] | boolean>;

/**
 * A real OpenID Connect provider (the `oidc-provider` package) on a loopback port, with its
 * development login form (any password) and consent page. The test owns its accounts: what
 * `accounts` holds for a login name is what the ID token says, read at each login, so a test
 * changes someone's groups between two logins by changing the map.
 */
export interface TestIdentityProvider {
  readonly issuer: string;
  readonly accounts: Map<string, AccountClaims>;
  /**
   * Plays the browser at the provider without a browser: opens `authorizationUrl`, signs in as
   * `login`, consents, and returns the URL the provider sends the browser back to (with the code).
   * `cancel`: the person cancels on the login page instead (the answer then carries an error).
   */
  signIn(authorizationUrl: string, login: string, options?: { cancel?: boolean }): Promise<URL>;
  close(): Promise<void>;
}

/** `port`: when the server under test must be told the issuer before the provider can start (its redirect URI comes from the server's port). */
export async function startTestIdentityProvider(clients: ClientMetadata[], options: { port?: number } = {}): Promise<TestIdentityProvider> {
  const port = options.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const accounts = new Map<string, AccountClaims>();
  const provider = new Provider(issuer, {
    clients,
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, ...(accounts.get(id) ?? {}) }) }),
    claims: { openid: ['sub'], profile: ['preferred_username', 'given_name', 'family_name', 'name'], email: ['email', 'email_verified'], groups: ['groups'] },
    // The scopes' claims go into the ID token itself, as most institutional providers send them.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    cookies: { keys: ['test identity provider cookie key'] },
  });
  const server: Server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  return {
    issuer,
    accounts,
    async signIn(authorizationUrl, login, options = {}) {
      const jar = new Map<string, string>();
      const redirectUris = clients.flatMap((c) => c.redirect_uris ?? []);
      let url = new URL(authorizationUrl);
      let form: URLSearchParams | null = null;
      for (let step = 0; step < 20; step++) {
        const response = await fetch(url, {
          method: form ? 'POST' : 'GET',
          redirect: 'manual',
          headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
          ...(form ? { body: form.toString() } : {}),
        });
        for (const cookie of response.headers.getSetCookie()) {
          const [pair] = cookie.split(';');
          const at = (pair ?? '').indexOf('=');
          jar.set((pair ?? '').slice(0, at), (pair ?? '').slice(at + 1));
        }
        const location = response.headers.get('location');
        if (location) {
          await response.arrayBuffer();
          const next = new URL(location, url);
          if (redirectUris.some((uri) => next.href.startsWith(uri))) return next;
          url = next;
          form = null;
          continue;
        }
        const html = await response.text();
        const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
        const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
        if (!action || !prompt) throw new Error(`the identity provider answered ${response.status} without a form:\n${html.slice(0, 2000)}`);
        const abort = /href="([^"]*\/abort)"/.exec(html)?.[1];
        if (options.cancel && abort) {
          url = new URL(abort.replace(/&amp;/g, '&'), url);
          form = null;
          continue;
        }
        url = new URL(action.replace(/&amp;/g, '&'), url);
        form = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt });
      }
      throw new Error('the identity provider never sent the browser back');
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
