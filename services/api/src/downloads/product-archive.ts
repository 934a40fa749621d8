import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { bytesReader, deferredReader, type ByteReader } from '@pz/blobs';
import { err, ok, type Result } from '@pz/contracts';
import type { AppDeps } from '../deps';
import { servingPolicy } from '../files/media-type';
import type { ProductRow } from '../queries/product-rows';
import { safeEntryNames } from './entry-names';
import { METADATA_FILENAME, productMetadataYaml, type ArchivedFile } from './product-metadata';
import type { Downloadable } from './send-download';
import { layOutStoredZip, type StoredZip, type ZipEntrySource } from './stored-zip';

type Sources = Pick<AppDeps, 'catalogue' | 'blobs'>;

/** Part of every fingerprint: changing how archives are laid out must not reuse old checksums. */
const ARCHIVE_LAYOUT = 'stored-zip/1';

export interface ProductArchive extends Downloadable {
  readonly productId: number;
  /** sha256 over everything that determines the archive's bytes: equal fingerprints, equal bytes. */
  readonly fingerprint: string;
  readonly zip: StoredZip;
}

export interface MainFileDownload extends Downloadable {
  readonly productId: number;
  readonly sha256: string;
}

/**
 * The product's zip as it is now: `product_metadata.yaml` first, then every stored file under a
 * safe, unique name. Sizes and CRC-32s come from the blob store's records, so nothing is read or
 * hashed here; a file whose content is missing or has another size fails loudly instead of
 * producing an archive whose offsets lie.
 */
export async function productArchive(deps: Sources, row: ProductRow): Promise<ProductArchive> {
  const [fileRows, columns, registry] = await Promise.all([
    deps.catalogue
      .selectFrom('product_files')
      .select(['id', 'role', 'name', 'mime_type', 'extension', 'size', 'sha256', 'stored', 'created'])
      .where('product_id', '=', row.id)
      .orderBy('role')
      .orderBy('id')
      .execute(),
    deps.catalogue.selectFrom('product_contents').select(['column_name', 'ucd', 'alias']).where('product_id', '=', row.id).orderBy('order').execute(),
    deps.catalogue.selectFrom('product_registry').select(['n_rows']).where('product_id', '=', row.id).executeTakeFirst(),
  ]);
  const stored = fileRows.filter((f) => f.stored);
  const names = safeEntryNames(stored.map((f) => f.name), [METADATA_FILENAME]);
  const archiveNames = new Map(stored.map((f, index) => [f.id, names[index] ?? null]));
  const files: ArchivedFile[] = fileRows.map((f) => ({
    id: f.id, role: f.role, name: f.name, mimeType: f.mime_type, extension: f.extension, size: Number(f.size), sha256: f.sha256, archiveName: archiveNames.get(f.id) ?? null,
  }));

  const nRows = registry?.n_rows === null || registry?.n_rows === undefined ? null : Number(registry.n_rows);
  const metadata = Buffer.from(productMetadataYaml(row, files, columns, nRows), 'utf8');
  const lastModified = new Date(row.updated_at);
  const entries: (ZipEntrySource & { readonly sha256: string })[] = [
    {
      name: METADATA_FILENAME, size: metadata.length, crc32: crc32(metadata), modifiedAt: lastModified,
      sha256: createHash('sha256').update(metadata).digest('hex'),
      open: ({ start, end }) => bytesReader(metadata.subarray(start, end + 1)),
    },
  ];
  const blobEntries = await Promise.all(stored.map(async (f) => {
    const record = await deps.blobs.stat(f.sha256);
    if (!record.ok) throw new Error(`product ${row.id}: the content of file "${f.name}" is missing from the blob store (${record.error.message})`);
    if (record.value.size !== Number(f.size)) throw new Error(`product ${row.id}: file "${f.name}" is recorded as ${f.size} bytes but its stored content has ${record.value.size}`);
    return {
      name: archiveNames.get(f.id) as string, size: record.value.size, crc32: record.value.crc32, modifiedAt: new Date(f.created), sha256: f.sha256,
      open: (range: { start: number; end: number }) => openBlob(deps, f.sha256, range),
    };
  }));
  entries.push(...blobEntries);

  const zip = layOutStoredZip(entries);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([ARCHIVE_LAYOUT, entries.map((e) => [e.name, e.size, e.crc32, e.modifiedAt.getTime(), e.sha256])]))
    .digest('hex');
  return {
    productId: row.id,
    fingerprint,
    zip,
    filename: `${row.internal_name}.zip`,
    contentType: 'application/zip',
    size: zip.size,
    etag: fingerprint,
    lastModified,
    open: (range) => zip.reader(range),
  };
}

/** The main file alone, raw, under its own name; an error message when there is nothing to send. */
export async function mainFileDownload(deps: Sources, row: ProductRow): Promise<Result<MainFileDownload, string>> {
  const file = await deps.catalogue
    .selectFrom('product_files')
    .select(['name', 'mime_type', 'size', 'sha256', 'stored', 'updated'])
    .where('product_id', '=', row.id)
    .where('role', '=', 0)
    .executeTakeFirst();
  if (!file) return err(`product ${row.id} has no main file`);
  if (!file.stored) return err(`only the metadata of the main file of product ${row.id} is kept on the server (it is over the size limit for stored files); its content cannot be downloaded`);
  const record = await deps.blobs.stat(file.sha256);
  if (!record.ok) throw new Error(`product ${row.id}: the content of its main file is missing from the blob store (${record.error.message})`);
  return ok({
    productId: row.id,
    sha256: file.sha256,
    filename: file.name,
    contentType: servingPolicy(file.mime_type, false).contentType,
    size: record.value.size,
    etag: file.sha256,
    lastModified: new Date(file.updated),
    open: (range) => deferredReader(() => openBlob(deps, file.sha256, range)),
  });
}

async function openBlob(deps: Sources, sha256: string, range: { start: number; end: number }): Promise<ByteReader> {
  const opened = await deps.blobs.openReader(sha256, range);
  if (!opened.ok) throw new Error(`cannot read blob ${sha256}: ${opened.error.message}`);
  return opened.value;
}
