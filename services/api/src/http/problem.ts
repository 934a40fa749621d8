import type { FastifyReply } from 'fastify';
import type { DomainError, DomainErrorCode } from '@pz/domain';

/** HTTP-level failure codes, beside the domain's. */
export type HttpErrorCode = DomainErrorCode | 'UNAUTHENTICATED' | 'METHOD_NOT_ALLOWED' | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'RATE_LIMITED' | 'CSRF_FAILED' | 'NOT_READY' | 'RANGE_NOT_SATISFIABLE' | 'TOO_MANY_UPLOADS' | 'CATCHING_UP';

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
  CATCHING_UP: 503,
};

export interface Problem {
  readonly code: HttpErrorCode;
  readonly message: string;
  readonly field?: string;
}

const OWN_KEYS = new Set(['detail', 'code', 'field', 'error']);

/** The top-level field a validation error is about, as DRF keys it (`derived_from.0` → `derived_from`), unless it would shadow one of our keys. */
function drfFieldKey(field: string | undefined): string | null {
  const key = field?.split('.')[0];
  return key && !OWN_KEYS.has(key) ? key : null;
}

/**
 * The one error body of the API: `detail` is what the pzserver client shows to its user;
 * `error` repeats it for the routes whose contract names that key (403s); `code` and `field`
 * let programs react without parsing text. A validation error also carries the shape Django REST
 * Framework clients read, `{"<field>": ["message"]}`, in the same body.
 */
export function sendProblem(reply: FastifyReply, problem: Problem | DomainError): FastifyReply {
  const code = problem.code as HttpErrorCode;
  const status = STATUS[code] ?? 400;
  const body: Record<string, string | string[]> = { detail: problem.message, code };
  if (problem.field) body.field = problem.field;
  if (status === 403) body.error = problem.message;
  const drfKey = code === 'VALIDATION_FAILED' ? drfFieldKey(problem.field) : null;
  if (drfKey !== null) body[drfKey] = [problem.message];
  // Sent as text: a route's response schema would drop the DRF key it does not name.
  return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

export const statusOf = (code: HttpErrorCode): number => STATUS[code];
