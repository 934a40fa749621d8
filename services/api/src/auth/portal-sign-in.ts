import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps';
import { CSRF_COOKIE, SESSION_COOKIE } from './authenticate';
import { SESSION_HOURS } from './portal-sessions';
import { newSecretKey } from './secrets';

/**
 * Starts a portal session for the user, however they proved who they are (password or identity
 * provider): the HttpOnly session cookie and the CSRF cookie the portal echoes. Returns the CSRF token.
 */
export async function signInToPortal(deps: Pick<AppDeps, 'config' | 'sessions'>, request: FastifyRequest, reply: FastifyReply, userId: number): Promise<string> {
  const csrf = newSecretKey();
  // Behind a TLS-terminating proxy (X-Forwarded-Proto: https) the cookies are Secure even without SECURE_COOKIES.
  const cookieOptions = { path: '/', sameSite: 'lax' as const, secure: deps.config.secureCookies || request.protocol === 'https', maxAge: SESSION_HOURS * 3600 };
  reply.setCookie(SESSION_COOKIE, await deps.sessions.start(userId), { ...cookieOptions, httpOnly: true });
  reply.setCookie(CSRF_COOKIE, csrf, { ...cookieOptions, httpOnly: false });
  return csrf;
}
