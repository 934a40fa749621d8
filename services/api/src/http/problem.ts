import type { FastifyReply } from 'fastify';
import type { DomainError, DomainErrorCode } from '@pz/domain';

/** HTTP-level failure codes, beside the domain's. */
export type HttpErrorCode = DomainErrorCode | 'UNAUTHENTICATED' | 'METHOD_NOT_ALLOWED' | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'RATE_LIMITED' | 'CSRF_FAILED' | 'NOT_READY' | 'RANGE_NOT_SATISFIABLE' | 'TOO_MANY_UPLOADS';

const STATUS: Record<HttpErrorCode, number> = {
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  VALIDATION_FAILED: 400,
  MISSING_REQUIRED_COLUMNS: 406,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  IDEMPOTENCY_KEY_REUSED: 422,
  INVALID_STATE: 409,
  UNAUTHENTICATED: 401,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  CSRF_FAILED: 403,
  NOT_READY: 202,
  RANGE_NOT_SATISFIABLE: 416,
  TOO_MANY_UPLOADS: 429,
};

export interface Problem {
  readonly code: HttpErrorCode;
  readonly message: string;
  readonly field?: string;
}

/**
 * The one error body of the API: `detail` is what the pzserver client shows to its user;
 * `error` repeats it for the routes whose contract names that key (403s); `code` and `field`
 * let programs react without parsing text.
 */
export function sendProblem(reply: FastifyReply, problem: Problem | DomainError): FastifyReply {
  const code = problem.code as HttpErrorCode;
  const status = STATUS[code] ?? 400;
  const body: Record<string, string> = { detail: problem.message, code };
  if (problem.field) body.field = problem.field;
  if (status === 403) body.error = problem.message;
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

export const statusOf = (code: HttpErrorCode): number => STATUS[code];
