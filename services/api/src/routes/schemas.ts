import { Type, type TSchema } from 'typebox';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const Detail = Type.Object({ detail: Type.String(), code: Type.Optional(Type.String()), field: Type.Optional(Type.String()), error: Type.Optional(Type.String()) });

export const ProductSchema = Type.Object({
  id: Type.Integer(),
  release: Nullable(Type.Integer()),
  release_name: Nullable(Type.String()),
  release_year: Nullable(Type.Integer()),
  product_type: Type.Integer(),
  product_type_name: Type.String(),
  product_type_internal_name: Type.String(),
  uploaded_by: Type.String(),
  is_owner: Type.Boolean(),
  origin: Type.String(),
  process_status: Nullable(Type.String()),
  process_id: Nullable(Type.String()),
  product_status: Type.String(),
  can_delete: Type.Boolean(),
  can_update: Type.Boolean(),
  internal_name: Type.String(),
  display_name: Type.String(),
  official_product: Type.Boolean(),
  pz_code: Nullable(Type.String()),
  description: Nullable(Type.String()),
  description_html: Nullable(Type.String({ description: 'description rendered from Markdown (CommonMark with GFM tables and strikethrough) to HTML once, when written: raw HTML is escaped, links only http/https/mailto, no images' })),
  created_at: Type.String(),
  status: Type.Integer(),
  updated_at: Type.String(),
  derived_from: Type.Array(Type.Integer()),
  revision: Type.Integer(),
});
