import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by `addSecurityHeaders`, for answers that bypass onSend hooks (see `applySecurityHeaders`). */
    securityHeaderOptions?: SecurityHeaderOptions;
  }
}

/** JSON, downloads and errors: nothing on them may load, run or frame anything. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The docs UI at `/api/docs` is a page: its own scripts, styles, images and the OpenAPI document,
 * all from this origin (the logo is a data: URL), no inline scripts, never framed.
 */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
  "base-uri 'self'; form-action 'none'; frame-ancestors 'none'";

const HSTS = 'max-age=31536000; includeSubDomains';

export interface SecurityHeaderOptions {
  /** Set when clients reach us over TLS (SECURE_COOKIES): only then may browsers be told to insist on https. */
  readonly behindTls: boolean;
  /** The URL prefix of the docs UI, which gets `DOCS_CSP` instead of `API_CSP`. */
  readonly docsPrefix: string;
}

/**
 * One onSend hook, on the root instance before any route or plugin is registered, so that every
 * response carries these headers: JSON, files, downloads, errors, 404s and the docs pages. A
 * route that set its own `Content-Security-Policy` or `X-Frame-Options` keeps it: product files
 * are served with a `sandbox` policy (framed from our origin when shown inline), which only the
 * route can choose.
 */
export function addSecurityHeaders(app: FastifyInstance, options: SecurityHeaderOptions): void {
  app.decorate('securityHeaderOptions', options);
  app.addHook('onSend', async (request, reply, payload) => {
    setSecurityHeaders(request, reply, options);
    return payload;
  });
}

/**
 * The same headers, for a route that writes its answer itself (`reply.hijack()`: no onSend
 * hooks run). Does nothing on an app without `addSecurityHeaders`.
 */
export function applySecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  const options = reply.server.securityHeaderOptions;
  if (options !== undefined) setSecurityHeaders(request, reply, options);
}

function setSecurityHeaders(request: FastifyRequest, reply: FastifyReply, options: SecurityHeaderOptions): void {
  const path = request.url.split('?', 1)[0] ?? '';
  for (const [name, value] of Object.entries(securityHeaders(path, options))) {
    // A route that chose its own framing or policy (served user files) keeps it.
    if ((name === 'X-Frame-Options' || name === 'Content-Security-Policy') && reply.hasHeader(name)) continue;
    reply.header(name, value);
  }
}

/**
 * The headers every answer carries, by path: also written by the answers that never reach a
 * Fastify reply (client-errors.ts: a malformed URL, oversized headers).
 */
export function securityHeaders(path: string, options: SecurityHeaderOptions): Record<string, string> {
  const isDocs = path === options.docsPrefix || path.startsWith(`${options.docsPrefix}/`);
  return {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': isDocs ? DOCS_CSP : API_CSP,
    ...(options.behindTls ? { 'Strict-Transport-Security': HSTS } : {}),
  };
}
