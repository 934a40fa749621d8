import { PRODUCT_TYPES } from '@pz/contracts';
import type { BlobStore } from '@pz/blobs';
import type { RegisteredColumn } from '@pz/domain';
import { inspectTable, suggestTableColumnRoles, type TableError, type TableErrorCode, type TableInspection } from '@pz/tables';
import { archiveMemberKeeper, keepRowIndex, type DerivedDetails } from './derived-blobs';
import type { RegistryProblem } from './errors';
import { mainFilePath, type MainFileRow } from './main-file';

/** `format` recorded for a free-format main file that is not a table. */
export const NOT_A_TABLE_FORMAT = 'binary';
/** `format` recorded for a main file kept only as metadata: its bytes were never stored here. */
export const NOT_STORED_FORMAT = 'unknown';

export interface RegisteredContents {
  readonly fileId: number;
  readonly format: string;
  readonly nRows: number | null;
  readonly columns: RegisteredColumn[];
  readonly details: Record<string, string | number | boolean | null>;
}

/** What one registry run records: exactly one of these becomes one command. */
export type RegistryOutcome =
  | { readonly kind: 'registered'; readonly contents: RegisteredContents }
  | { readonly kind: 'failed'; readonly fileId: number; readonly code: TableErrorCode; readonly reason: string };

const TABLE_KINDS = 'CSV/TXT, FITS, HDF5, Parquet, VOTable, a .zip/.tar.gz holding one of them, or a HATS catalog zipped or tarred';

const isTabularType = (typeName: string): boolean => PRODUCT_TYPES.find((t) => t.name === typeName)?.tabular ?? false;

/** Each column with what the file says of it and the role suggested for it (see suggestColumnRoles). */
function registeredColumns(table: TableInspection): RegisteredColumn[] {
  const suggestions = new Map(suggestTableColumnRoles(table).map((s) => [s.column, s]));
  return table.columns.map((c) => {
    const suggestion = suggestions.get(c.name);
    return {
      name: c.name,
      type: c.type,
      ...(c.unit === undefined ? {} : { unit: c.unit }),
      ...(c.ucd === undefined ? {} : { fileUcd: c.ucd }),
      ...(c.description === undefined ? {} : { description: c.description }),
      ...(suggestion ? { suggestion: { ucd: suggestion.ucd, alias: suggestion.alias, confidence: suggestion.confidence } } : {}),
    };
  });
}

/** Product-contents rows are addressed by column name, so a repeated name cannot be associated. */
function repeatedColumnName(table: TableInspection): string | null {
  const seen = new Set<string>();
  for (const column of table.columns) {
    if (seen.has(column.name)) return column.name;
    seen.add(column.name);
  }
  return null;
}

/** How a registry run may be watched: progress of the counting scan, in bytes of the main file (or of an archive's member). */
export interface RegistryRunOptions {
  readonly onProgress?: (bytesScanned: number, totalBytes: number) => void;
  /** Who asks (a user id): bounds the decodes one user may run at once. */
  readonly requester?: string;
}

async function readMainTable(blobs: BlobStore, file: MainFileRow, decodeTimeoutMs: number, options: RegistryRunOptions): Promise<{ table: TableInspection; derived: DerivedDetails } | { notTable: TableError } | RegistryProblem> {
  const located = await mainFilePath(blobs, file);
  if ('code' in located) return located;
  const member = archiveMemberKeeper(blobs);
  let inspected: Awaited<ReturnType<typeof inspectTable>>;
  try {
    inspected = await inspectTable(located.path, {
      fileName: file.name,
      decodeTimeoutMs,
      onArchiveMember: member.keep,
      ...(options.requester === undefined ? {} : { requester: options.requester }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } catch (cause) {
    return { code: 'STORAGE_UNAVAILABLE', message: cause instanceof Error ? cause.message : String(cause) };
  }
  if (!inspected.ok) {
    // A file we stored but cannot open is our fault, not the uploader's: never mark the product for it.
    if (inspected.error.code === 'TABLE_FILE_UNAVAILABLE') return { code: 'STORAGE_UNAVAILABLE', message: inspected.error.message };
    // A busy server says nothing about the file: answer it, record nothing.
    if (inspected.error.code === 'TABLE_BUSY' || inspected.error.code === 'TABLE_TOO_MANY_READS') return { code: inspected.error.code, message: inspected.error.message };
    return { notTable: inspected.error };
  }
  const repeated = repeatedColumnName(inspected.value);
  if (repeated !== null) return { notTable: { code: 'TABLE_FORMAT_UNSUPPORTED', message: `The column name "${repeated}" appears more than once; column names must be unique.` } };
  let derived: DerivedDetails = { ...member.kept };
  if (inspected.value.rowIndex) {
    try {
      derived = { ...derived, ...(await keepRowIndex(blobs, inspected.value.rowIndex)) };
    } catch (cause) {
      return { code: 'STORAGE_UNAVAILABLE', message: cause instanceof Error ? cause.message : String(cause) };
    }
  }
  return { table: inspected.value, derived };
}

/**
 * Inspects a product's main file and says what registry records. Tabular types need a readable
 * table, otherwise the product fails (status 9) with the reader's reason; free-format types take
 * any file, registered without columns when it is not a table. A storage fault is returned as a
 * problem and recorded nowhere.
 */
export async function decideRegistry(blobs: BlobStore, productTypeName: string, file: MainFileRow, decodeTimeoutMs: number, options: RegistryRunOptions = {}): Promise<RegistryOutcome | RegistryProblem> {
  if (!file.stored) {
    return { kind: 'registered', contents: { fileId: file.id, format: NOT_STORED_FORMAT, nRows: null, columns: [], details: { stored: false } } };
  }
  const read = await readMainTable(blobs, file, decodeTimeoutMs, options);
  if ('table' in read) {
    const { format, nRows, details } = read.table;
    // The kept derivatives (archive member, row index) are named beside the format's details.
    return { kind: 'registered', contents: { fileId: file.id, format, nRows, columns: registeredColumns(read.table), details: { ...details, ...read.derived } } };
  }
  if ('code' in read) return read;
  // A file that names a layout and breaks it (a qp ensemble without data) is refused even where any file would do.
  if (isTabularType(productTypeName) || read.notTable.code === 'TABLE_LAYOUT_BROKEN') {
    return { kind: 'failed', fileId: file.id, code: read.notTable.code, reason: `The main file "${file.name}" is not a readable table (${TABLE_KINDS}): ${read.notTable.message}` };
  }
  return {
    kind: 'registered',
    contents: { fileId: file.id, format: NOT_A_TABLE_FORMAT, nRows: null, columns: [], details: { not_a_table: read.notTable.message } },
  };
}
