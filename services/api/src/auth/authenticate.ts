import { createHash, randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '@pz/domain';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps } from '../deps';
import { parseIfMatch } from '../http/if-match';
import { sendProblem } from '../http/problem';
import { noteWritten } from '../http/read-your-writes';
import { ANONYMOUS, type RequestCaller } from './caller';
import { equalInConstantTime, sha256Hex } from './secrets';
import type { TokenCallers } from './token-callers';

export const SESSION_COOKIE = 'pz_session';
export const CSRF_COOKIE = 'pz_csrf';
export const CSRF_HEADER = 'x-csrftoken';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves the caller of every request: `Authorization: Token <key>` (notebooks; looked up through
 * `tokens`, which keeps answers while the catalogue stands still), or the portal's
 * signed session cookie. A token that is present but wrong is a 401 at once, never anonymous.
 * Cookie-authenticated writes must echo the CSRF cookie in a header (double submit), which a
 * cross-site form cannot do.
 */
export async function authenticate(deps: AppDeps, tokens: TokenCallers, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  request.caller = ANONYMOUS;
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Token\s+([A-Za-z0-9]{8,128})\s*$/.exec(header);
    if (!match?.[1]) {
      await sendProblem(reply, { code: 'UNAUTHENTICATED', message: 'Invalid token header. Expected "Authorization: Token <key>".' });
      return;
    }
    const found = await tokens.find(sha256Hex(match[1]));
    if (!found) {
      await sendProblem(reply, { code: 'UNAUTHENTICATED', message: 'Invalid token.' });
      return;
    }
    request.caller = { kind: 'user', userId: found.userId, username: found.username, isAdmin: found.isAdmin, via: 'token', tokenId: found.tokenId };
    return;
  }
  const session = request.cookies[SESSION_COOKIE];
  if (!session) return;
  const user = await deps.sessions.userOf(session);
  if (!user) return;
  if (!SAFE_METHODS.has(request.method) && !echoesCsrfToken(request)) {
    await sendProblem(reply, CSRF_FAILED);
    return;
  }
  request.caller = { kind: 'user', userId: user.id, username: user.username, isAdmin: user.is_admin, via: 'session' };
}

export const CSRF_FAILED = { code: 'CSRF_FAILED', message: `CSRF check failed: send the ${CSRF_COOKIE} cookie's value in the X-CSRFToken header` } as const;

/** Whether the request echoes the CSRF cookie in the header (double submit), which a cross-site form cannot do. */
export function echoesCsrfToken(request: FastifyRequest): boolean {
  const cookie = request.cookies[CSRF_COOKIE];
  const echoed = request.headers[CSRF_HEADER];
  return !!cookie && typeof echoed === 'string' && equalInConstantTime(cookie, echoed);
}

export type AuthenticatedCaller = Extract<RequestCaller, { kind: 'user' }>;

/** The signed-in caller, or a 401 already sent (returns null). */
export function requireUser(request: FastifyRequest, reply: FastifyReply): AuthenticatedCaller | null {
  if (request.caller.kind === 'user') return request.caller;
  void sendProblem(reply, { code: 'UNAUTHENTICATED', message: 'Authentication credentials were not provided.' });
  return null;
}

export const domainCaller = (caller: AuthenticatedCaller): Caller => ({ userId: caller.userId, isAdmin: caller.isAdmin });

/** JSON with object keys sorted: the same body sent twice gives the same text. */
const canonicalJson = (value: unknown): string =>
  Array.isArray(value) ? `[${value.map(canonicalJson).join(',')}]`
  : value !== null && typeof value === 'object' ? `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`
  : JSON.stringify(value) ?? 'null';

/** What makes two requests the same request for an Idempotency-Key: method, URL and JSON body. */
export const requestFingerprint = (request: FastifyRequest): string =>
  createHash('sha256').update(`${request.method} ${request.url}\n${canonicalJson(request.body ?? null)}`).digest('hex');

/** Event metadata for a command sent by this request. */
export function commandContext(request: FastifyRequest, caller: AuthenticatedCaller): CommandContext {
  const idempotencyKey = request.headers['idempotency-key'];
  const commandId = typeof idempotencyKey === 'string' && /^[\w-]{8,100}$/.test(idempotencyKey) ? `${caller.userId}:${idempotencyKey}` : randomUUID();
  // A malformed If-Match was refused before the route ran (app.ts: refuseMalformedIfMatch).
  const ifMatch = parseIfMatch(request.headers['if-match']);
  const revision = 'revision' in ifMatch ? ifMatch.revision : undefined;
  const userAgent = request.headers['user-agent'];
  return {
    actor: { kind: 'user', userId: caller.userId, username: caller.username },
    client: {
      kind: caller.via === 'token' ? 'token' : 'web',
      ...(caller.tokenId ? { tokenId: caller.tokenId } : {}),
      ...(userAgent ? { userAgent: userAgent.slice(0, 200) } : {}),
    },
    commandId,
    ...(commandId.includes(':') ? { idempotencyKey: commandId, requestFingerprint: requestFingerprint(request) } : {}),
    correlationId: typeof request.headers['x-correlation-id'] === 'string' ? request.headers['x-correlation-id'].slice(0, 100) : request.id,
    causationId: request.id,
    ...(revision !== undefined ? { expectedRevision: revision } : {}),
    written: (position) => noteWritten(request, position),
  };
}
