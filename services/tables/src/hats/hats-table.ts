import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parquetMetadataAsync, type FileMetaData } from 'hyparquet';
import { err, ok, type Result } from '@pz/contracts';
import { ExtractionCapExceeded, extractionLimit } from '../archive/extraction-cap';
import { gzipHoldsTar } from '../archive/gzip-member';
import { tableFailure, type TableError } from '../errors';
import { parquetColumns } from '../parquet/parquet-columns';
import { readParquetTable } from '../parquet/parquet-table';
import type { ReadContext, RowWindow, TableDetails, TableRow, TableSlice } from '../types';
import { listArchive, type ArchiveListing, type ListedArchiveKind } from './archive-listing';
import { describeMemberCatalog, namedCatalogs, numberOf, type HatsCatalogEntry } from './collection-catalogs';
import { parsePartitionInfo, parseProperties, partitionPath, type HatsPartition } from './hats-properties';

/** `details.hats_partitions` lists at most this many partitions ("order/pixel" words): an event stays small. */
export const MAX_LISTED_PARTITIONS = 3072;
/** `dataset/_metadata` is read only below this size (it grows with the number of partitions). */
const MAX_METADATA_BYTES = 64 * 1024 * 1024;

export const PROPERTIES_NAMES = ['hats.properties', 'properties'];
const HATS_MARKER = /(^|\/)(hats\.properties|collection\.properties|partition_info\.csv|_common_metadata|Norder=\d+\/)/;

const invalid = (message: string): Result<never, TableError> => tableFailure('TABLE_ARCHIVE_INVALID', message);

export const parentOf = (name: string): string => (name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '');
export const join = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);
/** `a/./b/` → `a/b`: the primary table URL of a collection is a relative directory name. */
export const normalize = (name: string): string => name.split('/').filter((p) => p !== '' && p !== '.').join('/');

export interface CatalogLayout {
  readonly root: string;
  readonly propertiesMember: string;
  readonly collectionMember: string | null;
}

/** The catalog a listing holds: a collection's primary catalog, or the top-most catalog. */
export function findCatalog(names: ReadonlySet<string>): Result<CatalogLayout, TableError> | null {
  const all = [...names];
  const collection = all.filter((n) => n.split('/').at(-1) === 'collection.properties').sort((a, b) => a.length - b.length)[0] ?? null;
  const catalogs = all.filter((n) => PROPERTIES_NAMES.includes(n.split('/').at(-1) ?? '')).sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  if (collection === null && catalogs.length === 0) {
    if (!all.some((n) => HATS_MARKER.test(n))) return null;
    return invalid('The archive looks like a HATS catalog (it has partition_info.csv, _common_metadata or Norder= folders) but holds no hats.properties or properties file.');
  }
  if (collection !== null) return ok({ root: '', propertiesMember: '', collectionMember: collection });
  const first = catalogs[0] ?? '';
  return ok({ root: parentOf(first), propertiesMember: first, collectionMember: null });
}

/** Every partition file of a catalog, by partition, from the member names (`Npix=N.parquet` or `Npix=N/*.parquet`). */
export function partitionFiles(names: readonly string[], root: string): Map<string, string[]> {
  const byPartition = new Map<string, string[]>();
  const prefix = join(root, 'dataset/');
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^Norder=(\d+)\/Dir=\d+\/Npix=(\d+)(\.parquet|\/[^/]+\.parquet)$/.exec(name.slice(prefix.length));
    if (!match) continue;
    const key = `${Number(match[1])}/${Number(match[2])}`;
    byPartition.set(key, [...(byPartition.get(key) ?? []), name].sort());
  }
  return byPartition;
}

const keyOf = (p: HatsPartition): string => `${p.order}/${p.pixel}`;

async function footerOf(filePath: string): Promise<FileMetaData> {
  const bytes = await readFile(filePath);
  return parquetMetadataAsync(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}

/** Rows of each partition file in data order, from `_metadata` (its row groups name their files). */
function rowsPerFile(metadata: FileMetaData, root: string): { file: string; rows: number }[] {
  const files: { file: string; rows: number }[] = [];
  for (const group of metadata.row_groups) {
    const filePath = group.columns[0]?.file_path;
    if (!filePath) continue;
    const file = join(root, `dataset/${normalize(filePath)}`);
    const last = files.at(-1);
    if (last?.file === file) files[files.length - 1] = { file, rows: last.rows + Number(group.num_rows) };
    else files.push({ file, rows: Number(group.num_rows) });
  }
  return files;
}

interface Extracted {
  readonly paths: Map<string, string>;
}

/** Extracts members to `dir` under names made of `label` and a counter: a member's own path is never used. */
async function extractMembers(listing: ArchiveListing, members: readonly string[], dir: string, label: string, limit: number): Promise<Extracted> {
  const paths = new Map(members.map((m, i) => [m, path.join(dir, `${label}-${i}${m.endsWith('.parquet') ? '.parquet' : ''}`)]));
  await listing.extract(paths, limit);
  return { paths };
}

async function readProperties(file: string | undefined): Promise<Map<string, string>> {
  return file === undefined ? new Map() : parseProperties(await readFile(file, 'utf8'));
}

const propertiesIn = (names: ReadonlySet<string>, root: string): string | undefined => PROPERTIES_NAMES.map((n) => join(root, n)).find((n) => names.has(n));

/**
 * The margin and index catalogs a collection names, each from its own properties (and, for a
 * margin, its partition list, every partition of which must be in the archive). A named catalog
 * missing from the archive is refused, as lsdb would fail to open the collection.
 */
async function collectionMembers(
  listing: ArchiveListing,
  names: ReadonlySet<string>,
  collectionDir: string,
  collection: ReadonlyMap<string, string>,
  dir: string,
  limit: number,
): Promise<Result<HatsCatalogEntry[], TableError>> {
  const named = namedCatalogs(collection);
  if (!named.ok) return invalid(`The HATS collection's ${named.error}.`);
  const members = [];
  for (const catalog of named.value) {
    const root = normalize(join(collectionDir, catalog.folder));
    const properties = propertiesIn(names, root);
    if (properties === undefined) {
      return invalid(`collection.properties names the ${catalog.kind} catalog "${catalog.folder}", which has no hats.properties or properties file in the archive.`);
    }
    const info = join(root, 'partition_info.csv');
    members.push({ catalog, root, properties, info: catalog.kind === 'margin' && names.has(info) ? info : undefined });
  }
  const extracted = await extractMembers(listing, members.flatMap((m) => [m.properties, ...(m.info === undefined ? [] : [m.info])]), dir, 'member', limit);
  const entries: HatsCatalogEntry[] = [];
  for (const { catalog, root, properties, info } of members) {
    const infoPath = info === undefined ? undefined : extracted.paths.get(info);
    const byPartition = partitionFiles([...names], root);
    const entry = describeMemberCatalog(catalog, root, await readProperties(extracted.paths.get(properties)), infoPath === undefined ? undefined : await readFile(infoPath, 'utf8'), (p) => byPartition.has(keyOf(p)));
    if (!entry.ok) return invalid(`The HATS collection's ${entry.error}.`);
    entries.push(entry.value);
  }
  return ok(entries);
}

/**
 * Reads a HATS catalog or collection uploaded as a zip, tar or tar.gz of its directory, or
 * answers null when the archive is not one (any other archive). Nothing but the catalog's small
 * files and the partitions holding the requested rows is extracted: properties, partition list,
 * `_common_metadata` (columns and types), `_metadata` (rows per partition, when the properties
 * give no `hats_nrows`), then the partitions of the window.
 */
export async function readHatsArchive(filePath: string, kind: 'zip' | 'gzip' | 'tar', window: RowWindow, context: ReadContext): Promise<Result<TableSlice, TableError> | null> {
  let listedKind: ListedArchiveKind;
  if (kind === 'gzip') {
    if (!(await gzipHoldsTar(filePath))) return null;
    listedKind = 'tar.gz';
  } else listedKind = kind;
  const limit = extractionLimit((await stat(filePath)).size, context.maxExtractedBytes);
  let listing: ArchiveListing;
  try {
    listing = await listArchive(filePath, listedKind, limit);
  } catch {
    // A corrupt archive is the archive reader's to describe.
    return null;
  }
  try {
    const names = new Set(listing.files.map((f) => f.name));
    const found = findCatalog(names);
    if (found === null) return null;
    if (listing.unsafe.length > 0) return invalid(`The HATS archive holds a member whose path leaves its directory (${listing.unsafe[0]}): refused.`);
    if (!found.ok) return found;
    const dir = await mkdtemp(path.join(tmpdir(), 'pz-hats-'));
    try {
      return await readCatalog(listing, names, found.value, dir, limit, window, context, listedKind);
    } catch (cause) {
      if (cause instanceof ExtractionCapExceeded) return tableFailure('TABLE_ARCHIVE_TOO_LARGE', `A member of the HATS archive expands beyond ${cause.limit} bytes; it looks like a zip bomb.`);
      return invalid(`The HATS archive could not be read: ${cause instanceof Error ? cause.message : String(cause)}.`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  } finally {
    listing.close();
  }
}

async function readCatalog(
  listing: ArchiveListing,
  names: ReadonlySet<string>,
  found: CatalogLayout,
  dir: string,
  limit: number,
  window: RowWindow,
  context: ReadContext,
  listedKind: ListedArchiveKind,
): Promise<Result<TableSlice, TableError>> {
  let { root, propertiesMember } = found;
  let collection = new Map<string, string>();
  let members: HatsCatalogEntry[] = [];
  if (found.collectionMember !== null) {
    const extracted = await extractMembers(listing, [found.collectionMember], dir, 'collection', limit);
    collection = await readProperties(extracted.paths.get(found.collectionMember));
    const primary = collection.get('hats_primary_table_url');
    if (!primary) return invalid('collection.properties names no primary catalog (hats_primary_table_url).');
    root = normalize(join(parentOf(found.collectionMember), primary));
    propertiesMember = propertiesIn(names, root) ?? '';
    if (propertiesMember === '') return invalid(`The collection's primary catalog "${primary}" has no hats.properties or properties file in the archive.`);
    const listed = await collectionMembers(listing, names, parentOf(found.collectionMember), collection, dir, limit);
    if (!listed.ok) return listed;
    members = listed.value;
  }

  const byPartition = partitionFiles([...names], root);
  const small = [propertiesMember, join(root, 'partition_info.csv'), join(root, 'dataset/_common_metadata')].filter((n) => names.has(n));
  const metadataMember = join(root, 'dataset/_metadata');
  const metadataSize = listing.files.find((f) => f.name === metadataMember)?.size ?? Infinity;
  const useMetadata = metadataSize <= MAX_METADATA_BYTES;
  if (useMetadata) small.push(metadataMember);
  const extracted = await extractMembers(listing, small, dir, 'meta', limit);
  const properties = await readProperties(extracted.paths.get(propertiesMember));

  // The partitions: partition_info.csv when present, otherwise the Norder=/Npix= files themselves.
  const infoPath = extracted.paths.get(join(root, 'partition_info.csv'));
  let partitions: HatsPartition[];
  if (infoPath !== undefined) {
    const parsed = parsePartitionInfo(await readFile(infoPath, 'utf8'));
    if (typeof parsed === 'string') return invalid(`The HATS catalog's ${parsed}.`);
    partitions = parsed;
  } else {
    partitions = [...byPartition.keys()].map((k) => {
      const [order = 0, pixel = 0] = k.split('/').map(Number);
      return { order, pixel };
    });
  }
  partitions.sort((a, b) => a.order - b.order || a.pixel - b.pixel);
  const absent = partitions.filter((p) => !byPartition.has(keyOf(p)));
  if (absent.length > 0) {
    const first = absent[0] as HatsPartition;
    return invalid(`The HATS catalog lists ${absent.length} partition(s) that are not in the archive, the first being ${join(root, partitionPath(first))}.`);
  }

  const commonPath = extracted.paths.get(join(root, 'dataset/_common_metadata'));
  const metadataPath = extracted.paths.get(metadataMember);
  const metadata = metadataPath === undefined ? null : await footerOf(metadataPath);
  const fileRows = metadata ? rowsPerFile(metadata, root) : [];
  const declaredRows = Number(properties.get('hats_nrows'));
  const nRows = Number.isSafeInteger(declaredRows) && declaredRows >= 0 ? declaredRows : metadata ? Number(metadata.num_rows) : null;
  if (nRows === null) return invalid('The HATS catalog gives no row count: its properties have no hats_nrows and there is no readable dataset/_metadata.');
  // An empty catalog (a margin catalog often is) has no partition; its columns come from _common_metadata.
  if (partitions.length === 0 && !(nRows === 0 && commonPath !== undefined)) {
    return invalid('The HATS catalog lists no partition (partition_info.csv is empty and there is no Norder=*/Npix=* file).');
  }

  // Data order: _metadata's when it names the files, partition order otherwise (rows unknown past the first).
  const orderedFiles = fileRows.length > 0 ? fileRows.filter((f) => names.has(f.file)) : partitions.flatMap((p) => (byPartition.get(keyOf(p)) ?? []).map((file) => ({ file, rows: Number.NaN })));
  const firstFile = orderedFiles[0]?.file;
  if (firstFile === undefined && partitions.length > 0) return invalid('The HATS catalog has no partition file to preview.');

  const rows: TableRow[] = [];
  let columns = commonPath ? parquetColumns(await footerOf(commonPath)) : null;
  let rowsUnavailable: TableError | undefined;
  /** Reads rows [offset, offset + limit) of one extracted partition; its row count, or a failure. */
  const readPartition = async (local: string, member: string, offset: number, limit: number): Promise<Result<number, TableError>> => {
    const slice = await readParquetTable(local, { offset, limit }, { ...context, fileName: 'partition.parquet', knownRowCount: undefined });
    if (!slice.ok) return err({ ...slice.error, message: `HATS partition ${member}: ${slice.error.message}` });
    columns ??= slice.value.columns;
    if (slice.value.rowsUnavailable) rowsUnavailable = slice.value.rowsUnavailable;
    rows.push(...slice.value.rows);
    return ok(slice.value.nRows);
  };
  if (orderedFiles.every((f) => !Number.isNaN(f.rows))) {
    const wanted = filesForWindow(orderedFiles, window);
    const extractedParts = await extractMembers(listing, wanted.map((w) => w.file), dir, 'partition', limit);
    for (const part of wanted) {
      const read = await readPartition(extractedParts.paths.get(part.file) as string, part.file, part.offset, part.limit);
      if (!read.ok) return read;
    }
  } else {
    // No _metadata: partitions are opened in order, each footer giving its rows, until the window is covered.
    const end = window.offset + window.limit;
    let start = 0;
    for (const [i, part] of orderedFiles.entries()) {
      const extractedPart = await extractMembers(listing, [part.file], dir, `partition-${i}`, limit);
      const local = extractedPart.paths.get(part.file) as string;
      const from = Math.max(window.offset, start);
      const read = await readPartition(local, part.file, from - start, Math.max(0, end - from));
      if (!read.ok) return read;
      await rm(local, { force: true });
      start += read.value;
      if (start >= end) break;
    }
  }
  if (columns === null) return invalid('The HATS catalog has neither dataset/_common_metadata nor a partition to take its columns from.');

  const orders = [...new Set(partitions.map((p) => p.order))];
  const main: HatsCatalogEntry = {
    kind: 'main', path: root, name: properties.get('obs_collection') ?? null, rows: nRows, partition_count: partitions.length, margin_threshold_arcsec: null, index_column: null,
  };
  const primary = properties.get('hats_primary_table_url');
  const listed = partitions.slice(0, MAX_LISTED_PARTITIONS).map(keyOf).join(' ');
  const details: TableDetails = {
    archive_format: listedKind,
    hats_name: properties.get('obs_collection') ?? collection.get('obs_collection') ?? null,
    hats_collection: found.collectionMember !== null,
    hats_catalog_path: root,
    hats_ra_column: properties.get('hats_col_ra') ?? null,
    hats_dec_column: properties.get('hats_col_dec') ?? null,
    hats_orders: orders.join(','),
    hats_partition_count: partitions.length,
    hats_partitions: listed,
    hats_partitions_truncated: partitions.length > MAX_LISTED_PARTITIONS,
    hats_margins: collection.get('all_margins') ?? null,
    hats_version: properties.get('hats_version') ?? null,
    // object, source, margin, index... as the catalog's properties declare it.
    hats_catalog_type: properties.get('dataproduct_type') ?? null,
    hats_margin_threshold: numberOf(properties.get('hats_margin_threshold')),
    // A margin's primary catalog, by its folder name: the URL is often a path on the machine that wrote it.
    hats_primary_catalog: primary === undefined ? null : (primary.split(/[\\/]/).filter((p) => p !== '' && p !== '.').at(-1) ?? null),
    // The collection's catalogs (main, margins, indexes) as JSON; null for a lone catalog.
    hats_catalogs: found.collectionMember === null ? null : JSON.stringify([main, ...members]),
    preview_partition: firstFile ?? null,
  };
  return ok({ format: 'hats', columns, nRows, rows, details, ...(rowsUnavailable ? { rowsUnavailable } : {}) });
}

/** The partition files holding rows [offset, offset + limit), with each one's local window (rows per file from `_metadata`). */
function filesForWindow(files: readonly { file: string; rows: number }[], window: RowWindow): { file: string; offset: number; limit: number }[] {
  const first = files[0];
  if (!first) return [];
  const wanted: { file: string; offset: number; limit: number }[] = [];
  let start = 0;
  let remaining = window.limit;
  for (const f of files) {
    const end = start + f.rows;
    if (remaining > 0 && window.offset < end && window.offset + window.limit > start) {
      const offset = Math.max(0, window.offset - start);
      const limit = Math.min(f.rows - offset, remaining);
      wanted.push({ file: f.file, offset, limit });
      remaining -= limit;
    }
    start = end;
  }
  // The preview of an empty window still reads the first partition's columns.
  return wanted.length > 0 ? wanted : [{ file: first.file, offset: 0, limit: 0 }];
}
