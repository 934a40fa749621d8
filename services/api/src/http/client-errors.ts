import type { Socket } from 'node:net';

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
 * malformed request lines) in the API's problem shape `{detail, code}`, then closes the socket.
 */
export function answerClientError(error: ParserError, socket: Socket): void {
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
      'X-Content-Type-Options: nosniff\r\n' +
      'Connection: close\r\n\r\n' +
      body,
  );
}
