import { Type, type Static, type TSchema } from 'typebox';
import { FILE_ROLE_NAMES, type FileRole } from '@pz/contracts';
import type { AuthenticatedCaller } from '../auth/authenticate';
import { isoUtc } from '../serializers/product';
import type { FileRow } from './file-rows';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** A product file as the pzserver client knows it, plus its checksum and whether its bytes are kept. */
export const ProductFileSchema = Type.Object({
  id: Type.Integer(),
  product: Type.Integer(),
  file: Type.String({ description: 'absolute URL of the raw content' }),
  role: Type.Integer({ description: '0 main, 1 description, 2 auxiliary' }),
  role_name: Type.String(),
  name: Type.String(),
  type: Type.String({ description: 'MIME type' }),
  size: Type.Integer(),
  n_rows: Nullable(Type.Integer()),
  extension: Type.String({ description: 'lower-cased, with the dot: ".csv", multi-part for a compressed format (".tar.gz", ".fits.gz"), or "" when none' }),
  is_directory: Type.Boolean(),
  created: Type.String(),
  updated: Type.String(),
  can_delete: Type.Boolean(),
  sha256: Type.String(),
  stored: Type.Boolean({ description: 'false when only the metadata is kept (photo-z estimates over the stored-size limit)' }),
});

export type ProductFileJson = Static<typeof ProductFileSchema>;

/** pzserver's labels: "Main", "Description", "Auxiliary". */
const roleName = (role: number): string => {
  const name = FILE_ROLE_NAMES[role as FileRole] ?? String(role);
  return name.charAt(0).toUpperCase() + name.slice(1);
};

export const fileContentUrl = (publicUrl: string, fileId: number): string => `${publicUrl}/api/product-files/${fileId}/content/`;

export function productFileJson(row: FileRow, caller: AuthenticatedCaller, publicUrl: string): ProductFileJson {
  const mayChange = caller.isAdmin || caller.userId === row.owner_id;
  return {
    id: row.id,
    product: row.product_id,
    file: fileContentUrl(publicUrl, row.id),
    role: row.role,
    role_name: roleName(row.role),
    name: row.name,
    type: row.mime_type,
    size: Number(row.size),
    n_rows: row.n_rows === null ? null : Number(row.n_rows),
    extension: row.extension,
    is_directory: false,
    created: isoUtc(row.created),
    updated: isoUtc(row.updated),
    can_delete: mayChange && row.product_status !== 2,
    sha256: row.sha256,
    stored: row.stored,
  };
}
