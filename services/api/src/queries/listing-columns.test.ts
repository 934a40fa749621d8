import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { describe, expect, it } from 'vitest';
import { LISTING_COLUMNS, type CatalogueTables } from '@pz/projections';
import type { AuthenticatedCaller } from '../auth/authenticate';
import { PRODUCT_FILTERS, PRODUCT_ORDERING, matchingProducts, parseProductListQuery } from './product-list';

/** Compiles without a database. */
const db = new Kysely<CatalogueTables>({
  dialect: { createAdapter: () => new PostgresAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (k) => new PostgresIntrospector(k), createQueryCompiler: () => new PostgresQueryCompiler() },
});
const caller: AuthenticatedCaller = { kind: 'user', userId: 7, username: 'u', isAdmin: false, via: 'token' };

/** The products columns a list statement reads to choose and order products. */
function columnsRead(query: Record<string, string>): Set<string> {
  const parsed = parseProductListQuery(query);
  if ('code' in parsed) throw new Error(`${JSON.stringify(query)}: ${parsed.message}`);
  const compiled = matchingProducts(db, parsed, caller)
    .select(['products.id', (eb) => eb.ref(parsed.orderBy.column).as('sort_key')])
    .compile();
  return new Set([...compiled.sql.matchAll(/"products"\."(\w+)"/g)].map((m) => m[1] as string));
}

const sample = (name: string) => (name.endsWith('__isnull') || name === 'official_product' ? 'true' : name === 'status' || name === 'id' || name.endsWith('__in') ? '1' : 'word');

describe('the columns product lists choose by', () => {
  it('are all listing columns, so that the catalogue records every change that can change a list', () => {
    const listing = new Set<string>(LISTING_COLUMNS);
    const queries: Record<string, string>[] = [
      ...PRODUCT_FILTERS.map((f) => ({ [f.name]: sample(f.name) })),
      ...PRODUCT_ORDERING.flatMap((o) => [{ ordering: o }, { ordering: `-${o}` }]),
      { search: 'two words' },
      { status: '2' },
    ];
    for (const query of queries) {
      const read = columnsRead(query);
      expect(read.size, JSON.stringify(query)).toBeGreaterThan(0);
      for (const column of read) expect(listing.has(column), `${JSON.stringify(query)} reads products.${column}`).toBe(true);
    }
  });

  it('would notice a filter on another column', () => {
    expect(columnsRead({ search: 'x' }).has('search_text')).toBe(true);
    expect(LISTING_COLUMNS).not.toContain('description');
  });
});
