import type { CodedError } from '@pz/contracts';

/** Every way a command can be refused. The HTTP edge maps each code to one status. */
export type DomainErrorCode =
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'VALIDATION_FAILED'
  | 'MISSING_REQUIRED_COLUMNS'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'INVALID_STATE';

export type DomainError = CodedError<DomainErrorCode>;

export const domainError = (code: DomainErrorCode, message: string, field?: string): DomainError =>
  field === undefined ? { code, message } : { code, message, field };
