import type { Kysely } from 'kysely';
import type { BlobStore } from '@pz/blobs';
import type { CatalogueTables } from '@pz/projections';
import { readTableRows, type TableRow } from '@pz/tables';
import type { Page } from '../http/pagination';
import type { RegistryProblem } from './errors';
import { findRegistry, mainFilePath, type MainFileRow } from './main-file';
import { NOT_A_TABLE_FORMAT, NOT_STORED_FORMAT } from './registry-outcome';

/** What the read model holds about one column: shown in a preview's header beside its name. */
export interface ColumnInfo {
  readonly name: string;
  readonly type: string;
  readonly unit: string | null;
  readonly file_ucd: string | null;
  readonly description: string | null;
  readonly ucd: string | null;
  readonly alias: string | null;
}

export interface DataPage {
  readonly count: number;
  readonly columns: string[];
  readonly column_info: ColumnInfo[];
  readonly results: TableRow[];
}

/**
 * One page of the main file's rows. Only a file registry accepted as a table is read: before
 * registry, after a failed one, or for a free-format file that is not a table, the answer says
 * which, so a client never polls for a preview that will not come.
 */
export async function readDataPage(
  db: Kysely<CatalogueTables>,
  blobs: BlobStore,
  productId: number,
  file: MainFileRow,
  page: Page,
  decodeTimeoutMs: number,
): Promise<DataPage | RegistryProblem> {
  const registry = await findRegistry(db, productId);
  if (!registry) {
    return { code: 'NOT_REGISTERED', message: `The main file of product ${productId} has not been registered yet: call /api/products/${productId}/registry/ first.` };
  }
  if (registry.error_message !== null) return { code: 'REGISTRY_FAILED', message: `No preview: ${registry.error_message}` };
  if (registry.format === NOT_A_TABLE_FORMAT || registry.format === NOT_STORED_FORMAT) {
    const why = registry.format === NOT_STORED_FORMAT ? 'only its metadata is kept on this server' : 'it is not a table';
    return { code: 'NOT_A_TABLE', message: `Table preview not available for the main file "${file.name}": ${why}.` };
  }
  const located = mainFilePath(blobs, file);
  if ('code' in located) return located;
  // Registry counted this very file's rows: a CSV page then need not read to the end to count them.
  const knownRowCount = registry.file_id === file.id && registry.n_rows !== null ? Number(registry.n_rows) : undefined;
  const read = await readTableRows(located.path, {
    fileName: file.name,
    offset: page.offset,
    limit: page.limit,
    decodeTimeoutMs,
    ...(knownRowCount === undefined ? {} : { knownRowCount }),
  });
  if (!read.ok) {
    if (read.error.code === 'TABLE_FILE_UNAVAILABLE') return { code: 'STORAGE_UNAVAILABLE', message: read.error.message };
    return { code: read.error.code, message: read.error.message };
  }
  const stored = await db
    .selectFrom('product_contents')
    .select(['column_name as name', 'type', 'unit', 'file_ucd', 'description', 'ucd', 'alias'])
    .where('product_id', '=', productId)
    .orderBy('order')
    .execute();
  const byName = new Map(stored.map((c) => [c.name, c]));
  const columnInfo = read.value.columns.map((name): ColumnInfo => byName.get(name) ?? { name, type: 'unknown', unit: null, file_ucd: null, description: null, ucd: null, alias: null });
  return { count: read.value.count, columns: read.value.columns, column_info: columnInfo, results: read.value.rows };
}
