import { Type } from 'typebox';
import { LOGIN_STATE_COOKIE, LOGIN_STATE_MINUTES, LOGIN_STATE_PATH } from '../auth/oidc/login-state';
import { signInToPortal } from '../auth/portal-sign-in';
import type { PzApp } from '../http/app-types';
import { sendProblem } from '../http/problem';

const Provider = Type.Object({
  id: Type.String({ description: 'oidc' }),
  name: Type.String({ description: 'what the login button names ("Log in with <name>")' }),
  login_url: Type.String({ description: 'open it in the browser (GET) to log in; `?next=/path` says where to land' }),
});

/**
 * Where a failed login sends the browser: the portal's login page with the error's code, which
 * the page words itself (a message in the URL would let any link put words in our mouth); the
 * details go to the log.
 */
const failedLoginPage = (code: string) => `/login?${new URLSearchParams({ login_error: code }).toString()}`;

/**
 * Login through the OpenID Connect provider (README, "Identity provider (OpenID Connect)"):
 * the public list of providers the portal draws buttons from, the start (a redirect to the
 * provider with PKCE, state and nonce kept in a signed cookie), and the callback.
 */
export async function identityProviderRoutes(app: PzApp): Promise<void> {
  const { deps } = app;
  const login = deps.oidcLogin;

  app.get('/api/auth/providers/', {
    schema: { summary: 'Identity providers one may log in through besides a local password (empty when none is configured)', security: [], response: { 200: Type.Object({ providers: Type.Array(Provider) }) } },
  }, async () => ({ providers: login ? [{ id: 'oidc', name: login.displayName, login_url: '/api/auth/oidc/login/' }] : [] }));

  const stateCookie = (secure: boolean) => ({ path: LOGIN_STATE_PATH, httpOnly: true, sameSite: 'lax' as const, secure, maxAge: LOGIN_STATE_MINUTES * 60 });
  const secureFor = (protocol: string) => deps.config.secureCookies || protocol === 'https';

  app.get('/api/auth/oidc/login/', {
    schema: {
      summary: 'Start a login at the identity provider: redirects there (authorization code with PKCE)', security: [],
      querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: 2000 })) }),
    },
    config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
  }, async (request, reply) => {
    if (!login) return sendProblem(reply, { code: 'NOT_FOUND', message: 'no identity provider is configured (OIDC_ISSUER)' });
    const started = await login.start(request.query.next);
    if (!started.ok) {
      request.log.warn({ code: started.error.code, err: started.error.message }, 'identity provider login could not start');
      return reply.redirect(failedLoginPage(started.error.code), 303);
    }
    reply.setCookie(LOGIN_STATE_COOKIE, started.value.cookie, stateCookie(secureFor(request.protocol)));
    return reply.redirect(started.value.redirectTo.href, 303);
  });

  app.get('/api/auth/oidc/callback/', {
    schema: { summary: 'Where the identity provider sends the browser back: checks its answer, then signs in to the portal', security: [] },
    config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
  }, async (request, reply) => {
    if (!login) return sendProblem(reply, { code: 'NOT_FOUND', message: 'no identity provider is configured (OIDC_ISSUER)' });
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    const userAgent = request.headers['user-agent'];
    // One use: whatever the outcome, this login's state is gone from the browser.
    reply.clearCookie(LOGIN_STATE_COOKIE, { path: LOGIN_STATE_PATH });
    const finished = await login.finish(query, request.cookies[LOGIN_STATE_COOKIE], { requestId: request.id, ...(userAgent ? { userAgent } : {}) });
    if (!finished.ok) {
      request.log.warn({ code: finished.error.code, err: finished.error.message }, 'identity provider login refused');
      return reply.redirect(failedLoginPage(finished.error.code), 303);
    }
    await signInToPortal(deps, request, reply, finished.value.user.userId);
    request.log.info({ userId: finished.value.user.userId, created: finished.value.user.created }, 'signed in through the identity provider');
    return reply.redirect(finished.value.next, 303);
  });
}
