import type { Kysely } from 'kysely';
import type { BlobStore } from '@pz/blobs';
import type { CatalogueTables } from '@pz/projections';
import type { RegistryProblem } from './errors';

/** The main file (role 0) of a product as the read model holds it; a product has at most one. */
export const findMainFile = (db: Kysely<CatalogueTables>, productId: number) =>
  db
    .selectFrom('product_files')
    .select(['id', 'name', 'mime_type', 'extension', 'size', 'sha256', 'stored'])
    .where('product_id', '=', productId)
    .where('role', '=', 0)
    .executeTakeFirst();

export type MainFileRow = NonNullable<Awaited<ReturnType<typeof findMainFile>>>;

/** What the last registry recorded for a product; undefined when it never ran on the current main file. */
export const findRegistry = (db: Kysely<CatalogueTables>, productId: number) =>
  db.selectFrom('product_registry').selectAll().where('product_id', '=', productId).executeTakeFirst();

export type RegistryRow = NonNullable<Awaited<ReturnType<typeof findRegistry>>>;

export const noMainFile = (productId: number): RegistryProblem => ({
  code: 'NO_MAIN_FILE',
  message: `Product ${productId} has no main file: upload one (product-files, role 0) first.`,
});

/** Where the main file's bytes are on disk, or why they cannot be reached. */
export async function mainFilePath(blobs: BlobStore, file: MainFileRow): Promise<{ path: string } | RegistryProblem> {
  const located = await blobs.localPath(file.sha256);
  if (!located.ok) return { code: 'STORAGE_UNAVAILABLE', message: `The main file "${file.name}" could not be located in storage: ${located.error.message}` };
  return { path: located.value };
}
