import { stringify } from 'yaml';
import { FILE_ROLE_NAMES, type FileRole } from '@pz/contracts';
import type { ProductRow } from '../queries/product-rows';
import { productJson } from '../serializers/product';

export const METADATA_FILENAME = 'product_metadata.yaml';

export interface ArchivedFile {
  readonly id: number;
  readonly role: number;
  readonly name: string;
  readonly mimeType: string;
  readonly extension: string;
  readonly size: number;
  readonly sha256: string;
  /** Its name inside the zip; null when the server keeps only its metadata (no bytes). */
  readonly archiveName: string | null;
}

export interface ColumnAssociation {
  readonly column_name: string;
  readonly ucd: string | null;
  readonly alias: string | null;
}

/**
 * `product_metadata.yaml`: the product's fields, its main file, the column associations and the
 * other files, as the pzserver server wrote it (flat, `main_file`, `associated_columns`,
 * `attach_files`). Fields that depend on who asks (`is_owner`, `can_update`, `can_delete`) are
 * left out, so every caller gets the same bytes for the same content: the archive's size and
 * checksum are announced before the download and must hold for whoever downloads it. Also left
 * out: the stream revision, which counts events that change nothing in the archive too (a share
 * link created or revoked), and the description's HTML rendering.
 */
export function productMetadataYaml(row: ProductRow, files: readonly ArchivedFile[], columns: readonly ColumnAssociation[], mainFileRows: number | null): string {
  const { is_owner: _owner, can_update: _update, can_delete: _delete, revision: _revision, description_html: _html, ...product } = productJson(row, null);
  const describe = (f: ArchivedFile) => ({
    name: f.name,
    archive_name: f.archiveName,
    role: f.role,
    role_name: FILE_ROLE_NAMES[f.role as FileRole] ?? String(f.role),
    type: f.mimeType,
    extension: f.extension,
    size: f.size,
    sha256: f.sha256,
  });
  const main = files.find((f) => f.role === 0);
  const document = {
    ...product,
    main_file: main ? { ...describe(main), n_rows: mainFileRows } : null,
    associated_columns: columns.filter((c) => c.alias !== null || c.ucd !== null).map((c) => ({ column_name: c.column_name, ucd: c.ucd, alias: c.alias })),
    attach_files: files.filter((f) => f.role !== 0).map(describe),
  };
  return stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}
