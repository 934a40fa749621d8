import { PRODUCT_STATUS_LABELS, PRODUCT_TYPES, type ProductStatus } from '@pz/contracts';
import type { AuthenticatedCaller } from '../auth/authenticate';
import type { ProductRow } from '../queries/product-rows';

/** A product as the pzserver client knows it. */
export interface ProductJson {
  id: number;
  release: number | null;
  release_name: string | null;
  release_year: number | null;
  product_type: number;
  product_type_name: string;
  product_type_internal_name: string;
  uploaded_by: string;
  is_owner: boolean;
  origin: string;
  process_status: string | null;
  process_id: string | null;
  product_status: string;
  can_delete: boolean;
  can_update: boolean;
  internal_name: string;
  display_name: string;
  official_product: boolean;
  pz_code: string | null;
  description: string | null;
  /** The description rendered from Markdown to safe HTML once, by the catalogue (an extra field the pzserver client ignores). */
  description_html: string | null;
  created_at: string;
  status: number;
  updated_at: string;
  derived_from: number[];
  revision: number;
}

export const isoUtc = (d: Date | string): string => new Date(d).toISOString();

export function productJson(row: ProductRow, caller: AuthenticatedCaller | null): ProductJson {
  const isOwner = caller !== null && caller.userId === row.owner_id;
  const mayChange = isOwner || (caller?.isAdmin ?? false);
  const type = PRODUCT_TYPES.find((t) => t.name === row.product_type_name);
  const year = row.release_year ?? (row.release_created_at ? new Date(row.release_created_at).getUTCFullYear() : null);
  return {
    id: row.id,
    release: row.release_id,
    release_name: row.release_display_name,
    release_year: year,
    product_type: row.product_type_id,
    product_type_name: type?.displayName ?? row.product_type_name,
    product_type_internal_name: row.product_type_name,
    uploaded_by: row.owner_username,
    is_owner: isOwner,
    origin: row.origin,
    process_status: row.process_status,
    process_id: row.process_id,
    product_status: PRODUCT_STATUS_LABELS[row.status as ProductStatus] ?? String(row.status),
    can_delete: mayChange,
    can_update: mayChange,
    internal_name: row.internal_name,
    display_name: row.display_name,
    official_product: row.official_product,
    pz_code: row.pz_code,
    description: row.description,
    description_html: row.description_html,
    created_at: isoUtc(row.created_at),
    status: row.status,
    updated_at: isoUtc(row.updated_at),
    derived_from: row.derived_from,
    revision: Number(row.last_revision),
  };
}
