import type { Kysely } from 'kysely';
import type { CatalogueTables } from '@pz/projections';
import type { AuthenticatedCaller } from '../auth/authenticate';

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

/** Files of a deleted product are seen only by its owner and admins, as the product itself is. */
export const canSeeFile = (row: Pick<FileRow, 'product_status' | 'owner_id'>, caller: AuthenticatedCaller): boolean =>
  row.product_status !== 2 || caller.isAdmin || caller.userId === row.owner_id;
