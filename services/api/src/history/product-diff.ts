import type { ProductSnapshot, SnapshotFile } from './product-snapshot';

type Value = string | number | boolean | null | readonly number[];

/** What one event changed in a product: the per-event diff of the history API. */
export type ProductDiff = {
  /** Scalar fields that changed, with their values before and after. */
  readonly fields: Record<string, { readonly from: Value; readonly to: Value }>;
  readonly files_added: readonly SnapshotFile[];
  readonly files_removed: readonly SnapshotFile[];
  /** Columns whose role (ucd/alias) changed, or that appeared or went with a registry. */
  readonly columns: readonly { readonly name: string; readonly from: { ucd: string | null; alias: string | null } | null; readonly to: { ucd: string | null; alias: string | null } | null }[];
  /** Shares created or revoked, by id and expiry: never a key, nor its hash. */
  readonly shares_added: readonly { readonly share_id: string; readonly expires_at: string | null }[];
  readonly shares_revoked: readonly string[];
};

const FIELDS = ['display_name', 'description', 'pz_code', 'release', 'release_year', 'official_product', 'status', 'derived_from', 'product_type', 'owner_id', 'origin'] as const;

const same = (a: Value, b: Value) => JSON.stringify(a) === JSON.stringify(b);

export function diffSnapshots(before: ProductSnapshot | null, after: ProductSnapshot | null): ProductDiff {
  const fields: Record<string, { from: Value; to: Value }> = {};
  for (const key of FIELDS) {
    const from = before ? (before[key] as Value) : null;
    const to = after ? (after[key] as Value) : null;
    if (!same(from, to)) fields[key] = { from, to };
  }
  const beforeFiles = new Map((before?.files ?? []).map((f) => [f.file_id, f]));
  const afterFiles = new Map((after?.files ?? []).map((f) => [f.file_id, f]));
  const role = (c: { ucd: string | null; alias: string | null } | undefined) => (c ? { ucd: c.ucd, alias: c.alias } : null);
  const beforeColumns = new Map((before?.columns ?? []).map((c) => [c.name, c]));
  const afterColumns = new Map((after?.columns ?? []).map((c) => [c.name, c]));
  const columns = [...new Set([...beforeColumns.keys(), ...afterColumns.keys()])]
    .map((name) => ({ name, from: role(beforeColumns.get(name)), to: role(afterColumns.get(name)) }))
    .filter((c) => JSON.stringify(c.from) !== JSON.stringify(c.to));
  const beforeShares = new Map((before?.shares ?? []).map((s) => [s.share_id, s]));
  return {
    fields,
    files_added: [...afterFiles.values()].filter((f) => !beforeFiles.has(f.file_id)),
    files_removed: [...beforeFiles.values()].filter((f) => !afterFiles.has(f.file_id)),
    columns,
    shares_added: (after?.shares ?? []).filter((s) => !beforeShares.has(s.share_id)).map((s) => ({ share_id: s.share_id, expires_at: s.expires_at })),
    shares_revoked: (after?.shares ?? []).filter((s) => s.revoked && beforeShares.get(s.share_id)?.revoked === false).map((s) => s.share_id),
  };
}
