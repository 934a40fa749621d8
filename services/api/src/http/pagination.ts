import { Type, type TSchema } from 'typebox';
import type { Problem } from './problem';

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

export const PaginationQuery = {
  page: Type.Optional(Type.String({ description: '1-based page number' })),
  page_size: Type.Optional(Type.String({ description: `items per page (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE})` })),
};

export interface Page {
  readonly limit: number;
  readonly offset: number;
}

/** Reads `page` and `page_size`; out-of-range values are refused with a message naming the field. */
export function readPage(query: { page?: string; page_size?: string }): Page | Problem {
  const size = query.page_size === undefined || query.page_size === '' ? DEFAULT_PAGE_SIZE : Number(query.page_size);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    return { code: 'VALIDATION_FAILED', message: `page_size must be an integer from 1 to ${MAX_PAGE_SIZE}`, field: 'page_size' };
  }
  const page = query.page === undefined || query.page === '' ? 1 : Number(query.page);
  if (!Number.isInteger(page) || page < 1 || page > 1_000_000) return { code: 'VALIDATION_FAILED', message: 'page must be a positive integer', field: 'page' };
  return { limit: size, offset: (page - 1) * size };
}

export const isProblem = (value: object): value is Problem => 'code' in value && 'message' in value;

export const listEnvelope = <T>(count: number, results: T[]) => ({ count, results });

export const ListSchema = <T extends TSchema>(item: T) => Type.Object({ count: Type.Integer(), results: Type.Array(item) });
