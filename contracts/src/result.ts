/** Errors are values: every fallible decision returns one of these instead of throwing. */
export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err<E> = { readonly ok: false; readonly error: E };
export type Result<T, E> = Ok<T> | Err<E>;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = <E>(error: E): Err<E> => ({ ok: false, error });

/** A coded failure that can cross a boundary (HTTP edge, CLI, logs). */
export interface CodedError<C extends string = string> {
  readonly code: C;
  readonly message: string;
  /** The request field or input the failure is about, when there is one. */
  readonly field?: string;
}
