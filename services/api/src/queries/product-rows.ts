import type { Kysely } from 'kysely';
import type { CatalogueTables } from '@pz/projections';

/** What a product's JSON needs: the products read model's columns, its type's id, its release's id and name. */
export const PRODUCT_ROW_COLUMNS = [
  'products.id',
  'products.internal_name',
  'products.display_name',
  'products.product_type_name',
  'products.release_name',
  'products.release_year',
  'products.official_product',
  'products.pz_code',
  'products.description',
  'products.description_html',
  'products.owner_id',
  'products.owner_username',
  'products.owner_name',
  'products.origin',
  'products.process_id',
  'products.process_status',
  'products.status',
  'products.created_at',
  'products.updated_at',
  'products.derived_from',
  'products.last_revision',
  'product_types.id as product_type_id',
  'releases.id as release_id',
  'releases.display_name as release_display_name',
  'releases.created_at as release_created_at',
] as const;

/** The products read model joined with what its JSON needs (type id, release id and name). */
export function productRowsQuery(db: Kysely<CatalogueTables>) {
  return db
    .selectFrom('products')
    .innerJoin('product_types', 'product_types.name', 'products.product_type_name')
    .leftJoin('releases', 'releases.name', 'products.release_name')
    .select(PRODUCT_ROW_COLUMNS);
}

export type ProductRow = Awaited<ReturnType<ReturnType<typeof productRowsQuery>['executeTakeFirstOrThrow']>>;

export const findProductRow = (db: Kysely<CatalogueTables>, id: number) => productRowsQuery(db).where('products.id', '=', id).executeTakeFirst();
