import type { FastifyReply } from 'fastify';
import type { TableErrorCode } from '@pz/tables';

/**
 * Failures of registry, `main_file_info` and `read_data`, beside the shared HTTP codes of
 * `http/problem.ts`. A registry that found no readable table answers with the table reader's
 * own code (`TABLE_UNREADABLE`, `TABLE_TRUNCATED`...), so programs can tell the causes apart.
 */
export type RegistryErrorCode =
  /** The product has no main file (role 0) to inspect. */
  | 'NO_MAIN_FILE'
  /** `read_data` before registry ran on the current main file. */
  | 'NOT_REGISTERED'
  /** `read_data` after registry recorded that the main file is not a readable table. */
  | 'REGISTRY_FAILED'
  /** `read_data` on a free-format product whose main file is not a table. */
  | 'NOT_A_TABLE'
  /** The stored bytes could not be opened: a server-side fault, never recorded on the product. */
  | 'STORAGE_UNAVAILABLE'
  | TableErrorCode;

export interface RegistryProblem {
  readonly code: RegistryErrorCode;
  readonly message: string;
}

// 422: the request is fine and so is the product's metadata; its file cannot be processed.
const STATUS: Record<RegistryErrorCode, number> = {
  NO_MAIN_FILE: 400,
  NOT_REGISTERED: 409,
  REGISTRY_FAILED: 409,
  NOT_A_TABLE: 400,
  STORAGE_UNAVAILABLE: 503,
  TABLE_UNREADABLE: 422,
  TABLE_EMPTY: 422,
  TABLE_FORMAT_UNSUPPORTED: 422,
  TABLE_TRUNCATED: 422,
  TABLE_NOT_FOUND: 422,
  TABLE_ARCHIVE_INVALID: 422,
  TABLE_ARCHIVE_TOO_LARGE: 422,
  TABLE_FILE_UNAVAILABLE: 503,
  TABLE_EXTERNAL_REFERENCE: 422,
  TABLE_LIMIT_EXCEEDED: 422,
  // Load, not the file: the same request may succeed later.
  TABLE_BUSY: 503,
  TABLE_TOO_MANY_READS: 429,
  TABLE_LAYOUT_BROKEN: 422,
};

/** Same body as `sendProblem`: `detail` is what the pzserver client shows its user. */
export function sendRegistryProblem(reply: FastifyReply, problem: RegistryProblem): FastifyReply {
  return reply.code(STATUS[problem.code]).type('application/json; charset=utf-8').send({ detail: problem.message, code: problem.code });
}
