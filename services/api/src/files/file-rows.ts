import type { Kysely } from 'kysely';
import type { CatalogueTables } from '@pz/projections';
import type { AuthenticatedCaller } from '../auth/authenticate';
import { visibleProductsWhere } from '../visibility/product-visibility';

/**
 * Product files with what their JSON and permission checks need: the product's owner and status,
 * and the row count the registry found (it inspects the main file only, so other files get null).
 */
export function fileRowsQuery(db: Kysely<CatalogueTables>) {
  return db
    .selectFrom('product_files')
    .innerJoin('products', 'products.id', 'product_files.product_id')
    .leftJoin('product_registry', (join) =>
      join.onRef('product_registry.product_id', '=', 'product_files.product_id').onRef('product_registry.file_id', '=', 'product_files.id'),
    )
    .select([
      'product_files.id',
      'product_files.product_id',
      'product_files.role',
      'product_files.name',
      'product_files.mime_type',
      'product_files.extension',
      'product_files.size',
      'product_files.sha256',
      'product_files.stored',
      'product_files.created',
      'product_files.updated',
      'products.owner_id',
      'products.status as product_status',
      'product_registry.n_rows',
    ]);
}

export type FileRow = Awaited<ReturnType<ReturnType<typeof fileRowsQuery>['executeTakeFirstOrThrow']>>;

export const findFileRow = (db: Kysely<CatalogueTables>, id: number) => fileRowsQuery(db).where('product_files.id', '=', id).executeTakeFirst();

/** Files of the products the caller may see (visibility/product-visibility.ts: the one rule; deleted ones for their owner and admins). */
export const visibleFileRows = (db: Kysely<CatalogueTables>, caller: AuthenticatedCaller) => fileRowsQuery(db).where(visibleProductsWhere(caller, { includeDeleted: true }));
