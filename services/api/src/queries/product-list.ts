import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import { visibleProductsWhere } from '../visibility/product-visibility';
import type { LogPosition } from '@pz/contracts';
import type { CatalogueTables } from '@pz/projections';
import type { AuthenticatedCaller } from '../auth/authenticate';
import type { FilterClass } from '../http/options-metadata';
import type { Page } from '../http/pagination';
import type { Problem } from '../http/problem';
import { catalogueCheckpoint, parseCheckpoint } from './catalogue-checkpoint';
import { PRODUCT_ROW_COLUMNS, type ProductRow } from './product-rows';
import { commaParts, likeContains, parseBoolean, searchTerms } from './text-filters';

/** Conditions name only the products table (types and releases in subqueries), so that matching needs no join. */
type EB = ExpressionBuilder<CatalogueTables, 'products'>;
type Condition = (eb: EB) => Expression<SqlBool>;

const EXACT = ['internal_name', 'display_name', 'release', 'product_type', 'official_product', 'status', 'user', 'id'] as const;
const TEXT = ['uploaded_by', 'product_type_name', 'release_name', 'product_name'] as const;
export const PRODUCT_ORDERING = ['id', 'display_name', 'product_type', 'created_at'] as const;
export const PRODUCT_SEARCH_FIELDS = ['display_name', 'uploaded_by', 'first_name', 'last_name'];
const IGNORED = new Set(['page', 'page_size', 'ordering', 'search', 'format']);

export const PRODUCT_FILTERS: FilterClass[] = [
  ...EXACT.flatMap((name) => [
    { name, type: name === 'official_product' ? 'BooleanFilter' : name === 'status' || name === 'id' ? 'NumberFilter' : 'CharFilter' },
    { name: `${name}__in`, type: 'BaseInFilter' },
  ]),
  { name: 'release__isnull', type: 'BooleanFilter' },
  ...TEXT.flatMap((name) => [
    { name, type: 'CharFilter' },
    { name: `${name}__or`, type: 'CharFilter' },
  ]),
];

/** Each exact filter: how a value (id or name) matches. */
function exactCondition(name: (typeof EXACT)[number], value: string): Condition | Problem {
  switch (name) {
    case 'internal_name':
      return (eb) => eb('products.internal_name', '=', value);
    case 'display_name':
      return (eb) => eb('products.display_name', '=', value);
    case 'release':
      return /^\d{1,9}$/.test(value) ? (eb) => eb('products.release_name', 'in', eb.selectFrom('releases as r').select('r.name').where('r.id', '=', Number(value))) : (eb) => eb('products.release_name', '=', value);
    case 'product_type':
      return /^\d{1,9}$/.test(value) ? (eb) => eb('products.product_type_name', 'in', eb.selectFrom('product_types as t').select('t.name').where('t.id', '=', Number(value))) : (eb) => eb('products.product_type_name', '=', value);
    case 'official_product': {
      const b = parseBoolean(value);
      if (b === null) return { code: 'VALIDATION_FAILED', message: 'official_product must be true or false', field: 'official_product' };
      return (eb) => eb('products.official_product', '=', b);
    }
    case 'status':
    case 'id': {
      if (!/^\d{1,9}$/.test(value)) return { code: 'VALIDATION_FAILED', message: `${name} must be an integer`, field: name };
      return name === 'status' ? (eb) => eb('products.status', '=', Number(value)) : (eb) => eb('products.id', '=', Number(value));
    }
    case 'user':
      return /^\d{1,9}$/.test(value) ? (eb) => eb('products.owner_id', '=', Number(value)) : (eb) => eb('products.owner_username', '=', value);
  }
}

function textCondition(name: (typeof TEXT)[number], part: string): Condition {
  const like = likeContains(part);
  switch (name) {
    case 'uploaded_by':
      return (eb) => eb.or([eb('products.owner_username', 'ilike', like), eb('products.owner_name', 'ilike', like)]);
    // Type and release names are matched in their own (small) tables, and the products picked by
    // name: an index lookup, where matching the joined row meant testing every product. Every
    // product's type and release exist in those tables (the deciders refuse any other).
    case 'product_type_name':
      return (eb) => eb('products.product_type_name', 'in', eb.selectFrom('product_types as t').select('t.name').where((w) => w.or([w('t.display_name', 'ilike', like), w('t.name', 'ilike', like)])));
    case 'release_name':
      return (eb) => eb('products.release_name', 'in', eb.selectFrom('releases as r').select('r.name').where((w) => w.or([w('r.display_name', 'ilike', like), w('r.name', 'ilike', like)])));
    case 'product_name':
      return (eb) => eb('products.display_name', 'ilike', like);
  }
}

export interface ProductListQuery {
  readonly conditions: Condition[];
  readonly orderBy: { column: 'products.id' | 'products.display_name' | 'products.product_type_name' | 'products.created_at'; direction: 'asc' | 'desc' };
  readonly wantsDeleted: boolean;
  /** Whether a substring condition (search, uploaded_by, product_name...) applies: its matches are read from the table, not from an index alone. */
  readonly matchesSubstrings: boolean;
}

/** Turns the query string into conditions; an unknown filter or bad value is a Problem naming it. */
export function parseProductListQuery(query: Record<string, string | string[] | undefined>): ProductListQuery | Problem {
  const conditions: Condition[] = [];
  let wantsDeleted = false;
  let matchesSubstrings = false;
  for (const [key, raw] of Object.entries(query)) {
    if (raw === undefined || IGNORED.has(key)) continue;
    const value = Array.isArray(raw) ? raw.join(',') : raw;
    if (value.length > 2000) return { code: 'VALIDATION_FAILED', message: `${key} is too long`, field: key };
    const [base, suffix] = key.split('__') as [string, string | undefined];
    if (EXACT.includes(base as (typeof EXACT)[number]) && (suffix === undefined || suffix === 'in')) {
      const values = suffix === 'in' ? commaParts(value) : [value];
      const parsed: Condition[] = [];
      for (const v of values) {
        const c = exactCondition(base as (typeof EXACT)[number], v);
        if (typeof c !== 'function') return c;
        parsed.push(c);
      }
      if (base === 'status' && values.includes('2')) wantsDeleted = true;
      conditions.push((eb) => (parsed.length ? eb.or(parsed.map((c) => c(eb))) : sql<SqlBool>`false`));
      continue;
    }
    if (key === 'release__isnull') {
      const b = parseBoolean(value);
      if (b === null) return { code: 'VALIDATION_FAILED', message: 'release__isnull must be true or false', field: key };
      conditions.push((eb) => (b ? eb('products.release_name', 'is', null) : eb('products.release_name', 'is not', null)));
      continue;
    }
    if (TEXT.includes(base as (typeof TEXT)[number]) && (suffix === undefined || suffix === 'or')) {
      const parts = commaParts(value).map((p) => textCondition(base as (typeof TEXT)[number], p));
      if (parts.length === 0) continue;
      matchesSubstrings ||= base === 'uploaded_by' || base === 'product_name';
      conditions.push((eb) => (suffix === 'or' ? eb.or(parts.map((c) => c(eb))) : eb.and(parts.map((c) => c(eb)))));
      continue;
    }
    return { code: 'VALIDATION_FAILED', message: `unknown filter "${key}"; see OPTIONS /api/products/ for the accepted filters`, field: key };
  }
  const search = typeof query.search === 'string' ? searchTerms(query.search) : [];
  for (const term of search) conditions.push((eb) => eb('products.search_text', 'like', likeContains(term.toLowerCase())));
  matchesSubstrings ||= search.length > 0;

  const ordering = typeof query.ordering === 'string' && query.ordering !== '' ? query.ordering : '-created_at';
  const descending = ordering.startsWith('-');
  const field = ordering.replace(/^-/, '');
  const columns = { id: 'products.id', display_name: 'products.display_name', product_type: 'products.product_type_name', created_at: 'products.created_at' } as const;
  if (!(field in columns)) return { code: 'VALIDATION_FAILED', message: `cannot order by "${field}"; use one of ${PRODUCT_ORDERING.join(', ')}`, field: 'ordering' };
  return { conditions, orderBy: { column: columns[field as keyof typeof columns], direction: descending ? 'desc' : 'asc' }, wantsDeleted, matchesSubstrings };
}

/** One page of a list, the number of all its matches, and the catalogue's position they were read at. */
export interface ProductListing {
  readonly count: number;
  readonly rows: ProductRow[];
  /** The catalogue projection's checkpoint in the snapshot the answer was read from (null only before the catalogue has one). */
  readonly position: LogPosition | null;
}

/**
 * Runs a parsed list query with visibility rules (deleted products only for their owner or
 * admins, when asked), in one statement that returns the page's rows with the count of all
 * matches and the catalogue checkpoint of the same snapshot. The page is cut from (id, sort
 * key) pairs before any wide row is read: sorting whole rows read every match's description
 * to keep 100. Substring matches are read from the table (trigram index, then a recheck of
 * each row), so they are collected once for both the count and the page; other conditions
 * are counted and paged separately, each from the index that suits it (a count from an
 * index alone, a page from an ordered scan), rather than by gathering up to every product.
 */
export async function listProducts(db: Kysely<CatalogueTables>, q: ProductListQuery, page: Page, caller: AuthenticatedCaller): Promise<ProductListing> {
  const { column, direction } = q.orderBy;
  const rows = await db
    .with((cte) => (q.matchesSubstrings ? cte('matches').materialized() : cte('matches').notMaterialized()), () => matchingProducts(db, q, caller).select(['products.id as id', (eb) => eb.ref(column).as('sort_key')]))
    .with('page', (qb) => qb.selectFrom('matches').select(['id', 'sort_key']).orderBy('sort_key', direction).orderBy('id', direction).limit(page.limit).offset(page.offset))
    .selectFrom('page')
    .innerJoin('products', 'products.id', 'page.id')
    .innerJoin('product_types', 'product_types.name', 'products.product_type_name')
    .leftJoin('releases', 'releases.name', 'products.release_name')
    .select(PRODUCT_ROW_COLUMNS)
    .select((eb) => [eb.selectFrom('matches').select((m) => m.fn.countAll<string>().as('n')).as('matched'), catalogueCheckpoint().as('checkpoint')])
    .orderBy('page.sort_key', direction)
    .orderBy('page.id', direction)
    .execute();
  const first = rows[0];
  if (first) return { count: Number(first.matched), rows: rows.map(({ matched: _, checkpoint: __, ...row }) => row), position: parseCheckpoint(first.checkpoint) };
  // An empty page: nothing matches, or the page is past the last match. Counted (and the
  // checkpoint read) in one snapshot, so that empty answers can be kept like any other.
  const counted = await db
    .selectNoFrom((eb) => [eb.selectFrom(matchingProducts(db, q, caller).select('products.id').as('m')).select((m) => m.fn.countAll<string>().as('n')).as('n'), catalogueCheckpoint().as('checkpoint')])
    .executeTakeFirst();
  return { count: Number(counted?.n ?? 0), rows: [], position: parseCheckpoint(counted?.checkpoint ?? null) };
}

/**
 * The products a list query matches. No join: every product's type and release exist (the
 * deciders refuse any other), and without one a count can be read from an index alone.
 */
export function matchingProducts(db: Kysely<CatalogueTables>, q: ProductListQuery, caller: AuthenticatedCaller) {
  let base = db.selectFrom('products');
  for (const c of q.conditions) base = base.where(c);
  return base.where(visibleProductsWhere(caller, { includeDeleted: q.wantsDeleted }));
}
