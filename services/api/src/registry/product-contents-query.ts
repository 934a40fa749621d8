import type { Kysely } from 'kysely';
import type { CatalogueTables } from '@pz/projections';
import type { AuthenticatedCaller } from '../auth/authenticate';
import { visibleProductsWhere } from '../visibility/product-visibility';
import type { FilterClass } from '../http/options-metadata';
import type { Page } from '../http/pagination';
import type { Problem } from '../http/problem';

export const PRODUCT_CONTENT_FILTERS: FilterClass[] = [
  { name: 'id', type: 'NumberFilter' },
  { name: 'product', type: 'NumberFilter' },
  { name: 'product_id', type: 'NumberFilter' },
];
export const PRODUCT_CONTENT_ORDERING = ['id', 'order'] as const;

export interface ProductContentQuery {
  readonly id?: number;
  readonly productId?: number;
  readonly orderBy: (typeof PRODUCT_CONTENT_ORDERING)[number];
  readonly descending: boolean;
}

const wholeNumber = (name: string, value: string | undefined): number | undefined | Problem => {
  if (value === undefined || value === '') return undefined;
  return /^\d{1,9}$/.test(value) ? Number(value) : { code: 'VALIDATION_FAILED', message: `${name} must be an integer`, field: name };
};

const isNumber = (value: number | undefined | Problem): value is number | undefined => typeof value !== 'object';

/** `product` and `product_id` are the same filter: the client sends the first, the reference server named the second. */
export function parseProductContentQuery(query: Record<string, string | undefined>): ProductContentQuery | Problem {
  const id = wholeNumber('id', query.id);
  if (!isNumber(id)) return id;
  const product = wholeNumber('product', query.product);
  if (!isNumber(product)) return product;
  const productId = wholeNumber('product_id', query.product_id);
  if (!isNumber(productId)) return productId;
  if (product !== undefined && productId !== undefined && product !== productId) return { code: 'VALIDATION_FAILED', message: 'product and product_id disagree', field: 'product' };
  const ordering = query.ordering ?? 'order';
  const field = ordering.replace(/^-/, '');
  if (!(PRODUCT_CONTENT_ORDERING as readonly string[]).includes(field)) {
    return { code: 'VALIDATION_FAILED', message: `ordering must be one of ${PRODUCT_CONTENT_ORDERING.flatMap((o) => [o, `-${o}`]).join(', ')}`, field: 'ordering' };
  }
  return { id, productId: product ?? productId, orderBy: field as ProductContentQuery['orderBy'], descending: ordering.startsWith('-') };
}

/** Contents rows of the products the caller may see (visibility/product-visibility.ts: the one rule; deleted ones for their owner and admins). */
export function visibleContents(db: Kysely<CatalogueTables>, caller: AuthenticatedCaller) {
  return db.selectFrom('product_contents').innerJoin('products', 'products.id', 'product_contents.product_id').where(visibleProductsWhere(caller, { includeDeleted: true }));
}

const CONTENT_COLUMNS = [
  'product_contents.id',
  'product_contents.product_id',
  'product_contents.column_name',
  'product_contents.ucd',
  'product_contents.order',
  'product_contents.alias',
  'product_contents.type',
  'product_contents.unit',
  'product_contents.file_ucd',
  'product_contents.description',
  'product_contents.confidence',
] as const;

export async function listProductContents(db: Kysely<CatalogueTables>, caller: AuthenticatedCaller, query: ProductContentQuery, page: Page) {
  let filtered = visibleContents(db, caller);
  if (query.id !== undefined) filtered = filtered.where('product_contents.id', '=', query.id);
  if (query.productId !== undefined) filtered = filtered.where('product_contents.product_id', '=', query.productId);
  const direction = query.descending ? 'desc' : 'asc';
  const counted = await filtered.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  let ordered = filtered.select(CONTENT_COLUMNS);
  // Column order only means something within one product; across products keep each product's columns together.
  ordered = query.orderBy === 'order' ? ordered.orderBy('product_contents.product_id', direction).orderBy('product_contents.order', direction) : ordered.orderBy('product_contents.id', direction);
  const rows = await ordered.limit(page.limit).offset(page.offset).execute();
  return { count: Number(counted.n), rows };
}

export const findProductContent = (db: Kysely<CatalogueTables>, caller: AuthenticatedCaller, id: number) =>
  visibleContents(db, caller).select([...CONTENT_COLUMNS, 'products.owner_id', 'product_contents.associated_by']).where('product_contents.id', '=', id).executeTakeFirst();

export type ProductContentRow = Awaited<ReturnType<typeof listProductContents>>['rows'][number];

export const productContentJson = (row: ProductContentRow) => ({
  id: row.id,
  product: row.product_id,
  column_name: row.column_name,
  ucd: row.ucd,
  order: row.order,
  alias: row.alias,
  /** The suggester's confidence while ucd/alias are its suggestion; null once the owner chose (or when nothing was suggested). */
  confidence: row.confidence,
  type: row.type,
  unit: row.unit,
  /** The UCD the file itself gives the column (VOTable, FITS TUCDn); `ucd` is the association. */
  file_ucd: row.file_ucd,
  description: row.description,
});
