// Product history and time travel as the API answers them (GET /api/products/{id}/history/, /as-of/),
// and the words the portal shows for each change.

type Value = string | number | boolean | null | readonly number[];

export interface SnapshotFile {
  file_id: number;
  role: number;
  name: string;
  mime_type: string;
  size: number;
  sha256: string;
  stored: boolean;
}

export interface ColumnRole {
  ucd: string | null;
  alias: string | null;
}

export interface ProductDiff {
  fields: Record<string, { from: Value; to: Value }>;
  files_added: SnapshotFile[];
  files_removed: SnapshotFile[];
  columns: { name: string; from: ColumnRole | null; to: ColumnRole | null }[];
  shares_added: { share_id: string; expires_at: string | null }[];
  shares_revoked: string[];
}

export interface HistoryEntry {
  revision: number;
  position: string;
  event_id: string;
  type: string;
  recorded_at: string;
  actor: { kind: string; username: string | null };
  client: string;
  diff: ProductDiff;
}

export interface History {
  product_id: number;
  count: number;
  results: HistoryEntry[];
}

export interface ProductSnapshot {
  id: number;
  internal_name: string;
  display_name: string;
  product_type: string;
  release: string | null;
  release_year: number | null;
  official_product: boolean;
  pz_code: string | null;
  description: string | null;
  owner_id: number;
  origin: string;
  status: number;
  derived_from: number[];
  files: SnapshotFile[];
  columns: { name: string; type: string; order: number; ucd: string | null; alias: string | null }[];
  registry: { format: string | null; n_rows: number | null; error: string | null } | null;
  shares?: { share_id: string; expires_at: string | null; revoked: boolean }[];
  created_at: string;
  updated_at: string;
}

export interface AsOf {
  at: string;
  revision: number;
  position: string;
  recorded_at: string;
  product: ProductSnapshot;
}

export const STATUS_NAMES: Record<number, string> = { 0: 'Registering', 1: 'Published', 2: 'Deleted', 9: 'Failed' };
export const ROLE_NAMES = ['main', 'description', 'auxiliary'];

const FIELD_LABELS: Record<string, string> = {
  display_name: 'Name', description: 'Description', pz_code: 'Photo-z code', release: 'Release', release_year: 'Release year',
  official_product: 'Official', status: 'Status', derived_from: 'Derived from', product_type: 'Type', owner_id: 'Owner id', origin: 'Origin',
};

/** A value as one short line of text. */
export function showValue(field: string, value: Value): string {
  if (value === null) return '—';
  if (field === 'status' && typeof value === 'number') return STATUS_NAMES[value] ?? String(value);
  if (field === 'official_product') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.length ? value.map((id) => `#${id}`).join(', ') : 'nothing';
  const text = String(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

export interface ChangeLine {
  kind: 'field' | 'file-added' | 'file-removed' | 'column' | 'share-added' | 'share-revoked';
  label: string;
  from?: string;
  to?: string;
}

const roleText = (r: ColumnRole | null) => (r === null ? 'no column' : r.alias ?? r.ucd ?? 'no role');
const fileText = (f: SnapshotFile) => `${f.name} (${ROLE_NAMES[f.role] ?? `role ${f.role}`}, sha256 ${f.sha256.slice(0, 12)}…)`;

/** What one event changed, line by line, in the order fields, files, column roles, shares (a registration: the values it set). */
export function changeLines(diff: ProductDiff): ChangeLine[] {
  // A registration changes every field from nothing: its values are shown alone.
  const created = 'owner_id' in diff.fields && diff.fields.owner_id?.from === null;
  return [
    ...Object.entries(diff.fields).map(([field, { from, to }]) => {
      const label = FIELD_LABELS[field] ?? field;
      return created ? { kind: 'field' as const, label: `${label}: ${showValue(field, to)}` } : { kind: 'field' as const, label, from: showValue(field, from), to: showValue(field, to) };
    }),
    ...diff.files_added.map((f) => ({ kind: 'file-added' as const, label: `File added: ${fileText(f)}` })),
    ...diff.files_removed.map((f) => ({ kind: 'file-removed' as const, label: `File removed: ${fileText(f)}` })),
    ...diff.columns.map((c) => ({ kind: 'column' as const, label: `Column ${c.name}`, from: roleText(c.from), to: roleText(c.to) })),
    ...diff.shares_added.map((s) => ({ kind: 'share-added' as const, label: `Share link created${s.expires_at ? `, expires ${s.expires_at.slice(0, 16).replace('T', ' ')} UTC` : ''}` })),
    ...diff.shares_revoked.map(() => ({ kind: 'share-revoked' as const, label: 'Share link revoked' })),
  ];
}

/** `ProductMetadataEdited` → `Product metadata edited`. */
export function eventLabel(type: string): string {
  const words = type.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
