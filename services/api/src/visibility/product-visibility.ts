import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { CatalogueTables } from '@pz/projections';
import type { RequestCaller } from '../auth/caller';

/**
 * Who may see a product: the ONE rule every read path goes through (lists, search and their
 * option lists, product pages, files, previews, downloads, share links, history, provenance,
 * audit, subscriptions). A product the viewer may not see answers 404, exactly like one that
 * does not exist. Read paths never restate the rule: a query narrows its products with
 * `visibleProductsWhere`, a single product is checked with `findVisibleProductIds` or
 * `canSeeProduct`, and a stream of events is filtered with `visibleProductIds`.
 *
 * Today's rule: a deleted product (status 2) only for its owner and admins, and only when the
 * read asks for deleted ones; everything else for every signed-in viewer.
 */
export type Viewer = RequestCaller;

export interface VisibilityOptions {
  /** Whether deleted products are wanted (lists ask with `status=2`; lookups by id always do). */
  readonly includeDeleted?: boolean;
}

type ProductsBuilder = ExpressionBuilder<CatalogueTables, 'products'>;

/** The rule as a SQL condition on the `products` table, for `.where(visibleProductsWhere(viewer))`. */
export function visibleProductsWhere(viewer: Viewer, options: VisibilityOptions = {}): (eb: ProductsBuilder) => Expression<SqlBool> {
  return (eb) => {
    if (viewer.kind === 'anonymous') return eb.val(false).$castTo<SqlBool>();
    const alive = eb('products.status', '!=', 2);
    if (!options.includeDeleted) return alive;
    if (viewer.isAdmin) return eb.val(true).$castTo<SqlBool>();
    return eb.or([alive, eb('products.owner_id', '=', viewer.userId)]);
  };
}

/** Of these product ids, the ones the viewer may see (deleted ones included for owners and admins). */
export async function visibleProductIds(db: Kysely<CatalogueTables>, viewer: Viewer, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0 || viewer.kind === 'anonymous') return new Set();
  const rows = await db
    .selectFrom('products')
    .select('products.id')
    .where('products.id', 'in', [...new Set(ids)])
    .where(visibleProductsWhere(viewer, { includeDeleted: true }))
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** Whether the viewer may see this product (false for one that does not exist). */
export async function canSeeProduct(db: Kysely<CatalogueTables>, viewer: Viewer, id: number): Promise<boolean> {
  return (await visibleProductIds(db, viewer, [id])).has(id);
}
