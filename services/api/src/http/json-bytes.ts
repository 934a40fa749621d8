import type { FastifyReply } from 'fastify';

/**
 * Sends JSON that is already serialised and encoded (a kept answer): Fastify passes a Buffer
 * through untouched, where a string would be encoded again for every answer. The reply's own
 * typed schema is not consulted: the bytes were made by it when first serialised.
 */
export function sendJsonBytes(reply: FastifyReply, body: Buffer): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(body);
}

/** What `reply.serialize` gives, as bytes. */
export const toBytes = (serialised: string | ArrayBuffer | Buffer): Buffer =>
  typeof serialised === 'string' ? Buffer.from(serialised, 'utf8') : Buffer.isBuffer(serialised) ? serialised : Buffer.from(serialised);
