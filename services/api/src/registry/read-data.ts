import type { Kysely } from 'kysely';
import type { BlobStore } from '@pz/blobs';
import type { CatalogueTables } from '@pz/projections';
import { readTableRows, type TableRow } from '@pz/tables';
import type { Page } from '../http/pagination';
import type { RegistryProblem } from './errors';
import { EXTRACTED_NAME, EXTRACTED_SHA256, loadRowIndex } from './derived-blobs';
import { findRegistry, mainFilePath, type MainFileRow } from './main-file';
import { Semaphore } from './semaphore';
import { NOT_A_TABLE_FORMAT, NOT_STORED_FORMAT } from './registry-outcome';
import { findReadFailure, isRecordedFailure, recordReadFailure } from './read-failures';

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
 * Where a preview reads: the table registry extracted from an archive main file when it kept one
 * (no extraction per request), else the main file itself.
 */
async function previewSource(blobs: BlobStore, file: MainFileRow, details: Record<string, unknown>): Promise<{ path: string; fileName: string } | RegistryProblem> {
  const extracted = details[EXTRACTED_SHA256];
  const extractedName = details[EXTRACTED_NAME];
  if (typeof extracted === 'string' && typeof extractedName === 'string') {
    const located = await blobs.localPath(extracted);
    if (located.ok) return { path: located.value, fileName: extractedName };
  }
  const located = await mainFilePath(blobs, file);
  return 'code' in located ? located : { path: located.path, fileName: file.name };
}

/** Previews running at once in this process; more wait their turn (a page is milliseconds, a hostile one is not). */
const MAX_CONCURRENT_PREVIEWS = 4;
const previewSlots = new Semaphore(MAX_CONCURRENT_PREVIEWS);

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
  requester?: string,
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
  // A file that already failed to decode is not decoded again (see read-failures.ts).
  const failed = await findReadFailure(db, file.sha256);
  if (failed) return { code: failed.code, message: failed.message };
  const sameFile = registry.file_id === file.id;
  const source = await previewSource(blobs, file, sameFile ? registry.details : {});
  if ('code' in source) return source;
  // Registry counted this very file's rows: a CSV page then need not read to the end to count them,
  // and the row index it kept lets a deep page seek.
  const knownRowCount = sameFile && registry.n_rows !== null ? Number(registry.n_rows) : undefined;
  const rowIndex = knownRowCount === undefined ? undefined : await loadRowIndex(blobs, registry.details);
  const read = await previewSlots.run(() =>
    readTableRows(source.path, {
      fileName: source.fileName,
      offset: page.offset,
      limit: page.limit,
      decodeTimeoutMs,
      ...(requester === undefined ? {} : { requester }),
      ...(knownRowCount === undefined ? {} : { knownRowCount }),
      ...(rowIndex === undefined ? {} : { rowIndex }),
    }),
  );
  if (!read.ok) {
    if (read.error.code === 'TABLE_FILE_UNAVAILABLE') return { code: 'STORAGE_UNAVAILABLE', message: read.error.message };
    if (isRecordedFailure(registry.format ?? '', read.error.code)) await recordReadFailure(db, file.sha256, read.error);
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
