import type { OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ByteRange, ByteReader } from '@pz/blobs';
import { applySecurityHeaders } from '../http/security-headers';
import { sendProblem } from '../http/problem';
import { parseRange } from '../files/byte-range';
import { contentDisposition } from '../files/content-disposition';
import { writeBody } from './write-body';

/** A file to send whose length is known before the first byte, so any byte range of it can be served. */
export interface Downloadable {
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  /** Strong validator (unquoted): changes whenever the bytes would, so `If-Range` resumes safely. */
  readonly etag: string;
  readonly lastModified: Date;
  /** Bytes `start..end`, both inclusive; never called for an empty range. */
  open(range: Required<ByteRange>): ByteReader;
}

/** OpenAPI description of a binary reply (never serialised: a stream is sent as it is). */
export const BinaryBody = (description: string, mediaType: string) => ({
  description,
  content: { [mediaType]: { schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }) } },
});

/**
 * Sends `download` as an attachment: 200 with the whole body, 206 for one satisfiable `Range`
 * (honoured only while `If-Range`, when sent, still matches), 416 otherwise. HEAD gets the headers
 * without the content ever being opened.
 */
export function sendDownload(request: FastifyRequest, reply: FastifyReply, download: Downloadable): FastifyReply {
  const etag = `"${download.etag}"`;
  const ifRange = request.headers['if-range'];
  // An If-Range naming anything but this content (another tag, a date) gets the whole body.
  const range = parseRange(ifRange === undefined || (typeof ifRange === 'string' && ifRange.trim() === etag) ? request.headers.range : undefined, download.size);
  if (range.kind === 'unsatisfiable') {
    reply.header('Content-Range', `bytes */${download.size}`);
    return sendProblem(reply, { code: 'RANGE_NOT_SATISFIABLE', message: `the requested range (${request.headers.range ?? ''}) is outside the ${download.size} bytes of ${download.filename}` });
  }
  reply
    .header('Content-Type', download.contentType)
    .header('Content-Disposition', contentDisposition('attachment', download.filename))
    .header('Accept-Ranges', 'bytes')
    .header('ETag', etag)
    .header('Last-Modified', download.lastModified.toUTCString())
    // no-transform: a proxy that recompressed the body would break every byte offset.
    .header('Cache-Control', 'private, no-transform')
    // User-supplied content must never run as a page of our origin, even if opened inline.
    .header('Content-Security-Policy', "sandbox; default-src 'none'");
  const { start, end } = range.kind === 'partial' ? range : { start: 0, end: download.size - 1 };
  const length = end - start + 1;
  reply.header('Content-Length', String(length));
  if (range.kind === 'partial') reply.code(206).header('Content-Range', `bytes ${start}-${end}/${download.size}`);
  if (request.method === 'HEAD' || length === 0) return reply.send(Readable.from([]));
  return sendBody(request, reply, download.open({ start, end }), length);
}

/**
 * Sends `length` bytes from `reader` after the headers set on `reply` (status included). The body
 * is written here rather than by reply.send, which would take a stream and its fresh buffer per
 * chunk (see write-body.ts); the headers every answer gets are added first, since onSend hooks do
 * not run for a hijacked reply. A body that fails half-way cuts the connection: its length was
 * promised.
 */
export function sendBody(request: FastifyRequest, reply: FastifyReply, reader: ByteReader, length: number): FastifyReply {
  applySecurityHeaders(request, reply);
  reply.hijack();
  reply.raw.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders);
  writeBody(reply.raw, reader, length).catch((error: unknown) => {
    request.log.warn({ err: error, url: request.url }, 'download stopped before its end');
    reply.raw.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  return reply;
}
