import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { API_CSP } from '../http/security-headers';

/** SvelteKit adapter-node's request handler (connect/polka style). */
export type PortalHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

const REPOSITORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const PORTAL_HANDLER = path.join(REPOSITORY, 'web', 'build', 'handler.js');

/**
 * The built portal's handler, or null when `web/build` is missing or cannot be loaded (`npm start` builds it first:
 * see web/scripts/ensure-build.js).
 */
export async function loadPortal(file = PORTAL_HANDLER): Promise<PortalHandler | null> {
  if (!existsSync(file)) return null;
  let loaded: unknown;
  try {
    loaded = await import(pathToFileURL(file).href);
  } catch (error) {
    // A build half-written by a concurrent `vite build`: the API still starts.
    console.error(`portal: cannot load ${file}:`, error instanceof Error ? error.message : error);
    return null;
  }
  const handler = (loaded as { handler?: unknown }).handler;
  if (typeof handler !== 'function') throw new Error(`${file} exports no handler function`);
  return handler as PortalHandler;
}

/** Every path outside /api/ belongs to the portal: its pages, scripts and styles. */
export function isPortalRequest(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const pathname = request.url.split('?', 1)[0] ?? '';
  return pathname !== '/api' && !pathname.startsWith('/api/');
}

/**
 * Hands the request to the portal. Its answer bypasses Fastify's onSend hooks, so the security
 * headers are set here: the API's strict CSP by default, which SvelteKit replaces on its pages by
 * the portal's own (svelte.config.js: nonce for the shell's one inline script, our scripts only).
 */
export function servePortal(portal: PortalHandler, request: FastifyRequest, reply: FastifyReply, behindTls: boolean): void {
  reply.hijack();
  const res = reply.raw;
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Content-Security-Policy', API_CSP);
  if (behindTls) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  portal(request.raw, res, () => {
    res.statusCode = 404;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end('not found');
  });
}
