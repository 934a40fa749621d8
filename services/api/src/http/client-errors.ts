import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem';
import { securityHeaders, type SecurityHeaderOptions } from './security-headers';

interface ParserError extends Error {
  readonly code?: string;
}

/** Node's HTTP parser failures that a client can cause, with the status and words to answer. */
const PARSER_FAILURES: Readonly<Record<string, { status: number; reason: string; code: string; detail: string }>> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: 'Request Header Fields Too Large',
    code: 'HEADERS_TOO_LARGE',
    detail: 'the request headers are too large (the server accepts at most 16 KiB of headers)',
  },
};

/**
 * Answers a request that Node's HTTP parser refused before Fastify saw it (oversized headers,
 * malformed request lines) in the API's problem shape `{detail, code}`, with the security
 * headers of every answer, then closes the socket.
 */
export function clientErrorAnswerer(options: SecurityHeaderOptions): (error: ParserError, socket: Socket) => void {
  const headers = Object.entries(securityHeaders('/api/', options)).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return (error, socket) => {
    if (!socket.writable) {
      socket.destroy(error);
      return;
    }
    const known = error.code ? PARSER_FAILURES[error.code] : undefined;
    const failure = known ?? { status: 400, reason: 'Bad Request', code: 'BAD_REQUEST', detail: 'the request is not valid HTTP/1.1' };
    const body = JSON.stringify({ detail: failure.detail, code: failure.code });
    socket.end(
      `HTTP/1.1 ${failure.status} ${failure.reason}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        headers +
        'Connection: close\r\n\r\n' +
        body,
    );
  };
}

/**
 * Fastify's own refusals before routing (a URL whose percent-encoding is malformed), which run
 * no hooks: answered in the API's problem shape, with the security headers, without echoing
 * the URL.
 */
export function frameworkErrorAnswerer(options: SecurityHeaderOptions): (error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    reply.headers(securityHeaders((request.url ?? '/').split('?', 1)[0] ?? '/', options));
    const badUrl = error.code === 'FST_ERR_BAD_URL';
    void sendProblem(reply, { code: 'VALIDATION_FAILED', message: badUrl ? 'the request URL is not valid: malformed percent-encoding (%XX)' : 'the request could not be routed', field: 'url' });
  };
}
