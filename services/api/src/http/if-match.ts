import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem, type Problem } from './problem';

/**
 * `If-Match` as this API reads it: `*` (any current revision), or one strong entity tag holding
 * a revision, `"12"` as sent in `ETag` (a bare `12` is accepted too). Anything else is refused
 * with 400 rather than ignored: a client that believes it guards its edit must not have it go
 * through unguarded. RFC 9110 13.1.1: a weak tag never matches, so `W/"12"` is refused too.
 */
export function parseIfMatch(header: string | string[] | undefined): { readonly revision?: bigint } | Problem {
  if (header === undefined) return {};
  const value = (Array.isArray(header) ? header.join(',') : header).trim();
  if (value === '*') return {};
  const revision = /^"?(\d{1,18})"?$/.exec(value)?.[1];
  if (revision === undefined || (value.startsWith('"') !== value.endsWith('"'))) {
    return { code: 'VALIDATION_FAILED', message: 'If-Match must be one ETag of this resource as sent in its ETag header (e.g. "12"), or *', field: 'If-Match' };
  }
  return { revision: BigInt(revision) };
}

/** A preValidation hook: a malformed `If-Match` is a 400 naming it, on every route. */
export async function refuseMalformedIfMatch(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const parsed = parseIfMatch(request.headers['if-match']);
  if ('code' in parsed) await sendProblem(reply, parsed);
}
