// The portal's only way to the server: the public HTTP API under /api/, with the session cookie
// (set by /api/auth/login/) and the CSRF cookie echoed in X-CSRFToken on every write.

export interface LoggedUser {
  id: number;
  username: string;
  first_name: string;
  last_name: string;
  is_admin: boolean;
}

/** One of the signed-in user's groups (GET /api/logged_user/groups/). */
export interface MyGroup {
  name: string;
  description: string;
  sources: ('admin' | 'identity_provider')[];
}

export interface Product {
  id: number;
  release: number | null;
  release_name: string | null;
  product_type: number;
  product_type_name: string;
  product_type_internal_name: string;
  uploaded_by: string;
  is_owner: boolean;
  product_status: string;
  can_update: boolean;
  can_delete: boolean;
  internal_name: string;
  display_name: string;
  official_product: boolean;
  pz_code: string | null;
  description: string | null;
  description_html: string | null;
  created_at: string;
  updated_at: string;
  status: number;
  revision: number;
}

export interface ProductFile {
  id: number;
  role: number;
  role_name: string;
  name: string;
  type: string;
  size: number;
  n_rows: number | null;
  sha256: string;
  stored: boolean;
}

export interface Column {
  id: number;
  column_name: string;
  alias: string | null;
  ucd: string | null;
}

export interface Page<T> {
  count: number;
  results: T[];
}

export interface ReadData {
  count: number;
  columns: string[];
  /** Per column: its type, and the unit, UCD and description the file gives (null when it gives none). */
  column_info?: ColumnInfo[];
  results: Record<string, unknown>[];
}

export interface ColumnInfo {
  name: string;
  type: string;
  unit: string | null;
  file_ucd: string | null;
  description: string | null;
}

import type { QpInfo } from './qp-curves';

/** What `main_file_info` says of a HATS catalog: its HEALPix partitioning. */
export interface HatsInfo {
  name: string | null;
  orders: number[];
  partition_count: number;
  partitions: { order: number; pixel: number }[];
  partitions_truncated: boolean;
  ra_column: string | null;
  dec_column: string | null;
  /** object, source, margin, index... as the catalog's properties declare it. */
  catalog_type: string | null;
  margin_threshold_arcsec: number | null;
  primary_catalog: string | null;
  /** A collection's catalogs (main first); empty for a lone catalog. */
  catalogs: HatsCatalog[];
}

/** One catalog of a HATS collection. */
export interface HatsCatalog {
  kind: 'main' | 'margin' | 'index';
  path: string;
  name: string | null;
  rows: number | null;
  partition_count: number | null;
  margin_threshold_arcsec: number | null;
  index_column: string | null;
}

/** `GET /api/products/{id}/main_file_info/` (the parts the portal shows). */
export interface MainFileInfo {
  main_file: { name: string; n_rows: number | null; format: string | null; hats?: HatsInfo; qp?: QpInfo };
}

export interface Release {
  id: number;
  name: string;
  display_name: string;
}

export interface ProductType {
  id: number;
  name: string;
  display_name: string;
}

export interface Share {
  id: string;
  status: 'active' | 'expired' | 'revoked';
  expires_at: string | null;
  created_at: string;
}

export interface CreatedShare {
  id: string;
  url: string;
  key: string;
  expires_at: string | null;
}

/** A way to log in besides a local password (GET /api/auth/providers/). */
export interface IdentityProvider {
  id: string;
  name: string;
  /** Opened in the browser: the server sends it on to the provider. */
  login_url: string;
}

/** A refusal from the API, with the field it names when it names one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
    readonly field: string | null,
  ) {
    super(message);
  }
}

/** `{detail, code, field}`, DRF's `{"field": ["msg"]}`, `{"error": "..."}`, or nothing useful. */
export function errorFrom(status: number, body: unknown): ApiError {
  if (typeof body === 'object' && body !== null) {
    const b = body as Record<string, unknown>;
    if (typeof b.detail === 'string') {
      return new ApiError(status, b.detail, typeof b.code === 'string' ? b.code : null, typeof b.field === 'string' ? b.field : null);
    }
    if (typeof b.error === 'string') return new ApiError(status, b.error, null, null);
    for (const [field, value] of Object.entries(b)) {
      const first = Array.isArray(value) ? value[0] : value;
      if (typeof first === 'string') return new ApiError(status, `${field}: ${first}`, null, field);
    }
  }
  const fallback = status === 0 ? 'the server cannot be reached' : `the server answered ${status}`;
  return new ApiError(status, fallback, null, null);
}

export function csrfToken(): string {
  const match = /(?:^|;\s*)pz_csrf=([^;]*)/.exec(document.cookie);
  return match?.[1] ? decodeURIComponent(match[1]) : '';
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Calls `/api/<path>` and returns the parsed JSON (undefined for 204), or throws an ApiError. */
export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (method !== 'GET') headers['X-CSRFToken'] = csrfToken();
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(`/api/${path.replace(/^\//, '')}`, { method, headers, body, credentials: 'same-origin', signal: options.signal });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw errorFrom(0, null);
  }
  if (response.status === 204) return undefined as T;
  const parsed: unknown = await response.json().catch(() => null);
  if (!response.ok) throw errorFrom(response.status, parsed);
  return parsed as T;
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
