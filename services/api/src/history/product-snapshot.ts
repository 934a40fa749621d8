import { createHash } from 'node:crypto';
import type { PzEvent } from '@pz/contracts';

/**
 * A product as its own events make it, at any point of its stream: what history diffs, time
 * travel shows and the PROV export calls a version. Pure: the same events give the same value.
 */
export type SnapshotFile = {
  readonly file_id: number;
  readonly role: number;
  readonly name: string;
  readonly mime_type: string;
  readonly size: number;
  readonly sha256: string;
  readonly stored: boolean;
};

export type SnapshotColumn = {
  readonly name: string;
  readonly type: string;
  readonly order: number;
  readonly ucd: string | null;
  readonly alias: string | null;
};

export type SnapshotShare = {
  readonly share_id: string;
  readonly expires_at: string | null;
  readonly revoked: boolean;
};

export type ProductSnapshot = {
  readonly id: number;
  readonly internal_name: string;
  readonly display_name: string;
  readonly product_type: string;
  readonly release: string | null;
  readonly release_year: number | null;
  readonly official_product: boolean;
  readonly pz_code: string | null;
  readonly description: string | null;
  readonly owner_id: number;
  readonly origin: string;
  readonly process_id: string | null;
  readonly status: number;
  readonly derived_from: readonly number[];
  readonly files: readonly SnapshotFile[];
  readonly columns: readonly SnapshotColumn[];
  readonly registry: { readonly format: string | null; readonly n_rows: number | null; readonly error: string | null } | null;
  readonly shares: readonly SnapshotShare[];
  readonly created_at: string;
  readonly updated_at: string;
};

/** The product after `event`, from `state` (null before its registration). Events of other products leave it as it was. */
export function evolveSnapshot(state: ProductSnapshot | null, event: PzEvent, at: string): ProductSnapshot | null {
  if (event.type === 'ProductRegistered') {
    const d = event.data;
    return {
      id: d.productId, internal_name: d.internalName, display_name: d.displayName, product_type: d.productTypeName, release: d.releaseName,
      release_year: null, official_product: d.officialProduct, pz_code: d.pzCode, description: d.description, owner_id: d.ownerId, origin: d.origin,
      process_id: d.processId, status: d.initialStatus, derived_from: [...d.derivedFrom], files: [], columns: [], registry: null, shares: [],
      created_at: at, updated_at: at,
    };
  }
  if (!state) return null;
  const s = { ...state, updated_at: at };
  switch (event.type) {
    case 'ProductMetadataEdited': {
      const c = event.data.changes;
      return {
        ...s,
        ...(c.displayName !== undefined ? { display_name: c.displayName } : {}),
        ...(c.description !== undefined ? { description: c.description } : {}),
        ...(c.pzCode !== undefined ? { pz_code: c.pzCode } : {}),
        ...(c.releaseName !== undefined ? { release: c.releaseName } : {}),
      };
    }
    case 'ProductReleaseYearSet':
      return { ...s, release_year: event.data.releaseYear };
    case 'ProductDerivationDeclared':
      return { ...s, derived_from: [...event.data.derivedFrom] };
    case 'ProductFileAttached': {
      const d = event.data;
      return { ...s, files: [...s.files, { file_id: d.fileId, role: d.role, name: d.name, mime_type: d.mimeType, size: d.size, sha256: d.sha256, stored: d.stored }] };
    }
    case 'ProductFileRemoved': {
      const removed = s.files.find((f) => f.file_id === event.data.fileId);
      const files = s.files.filter((f) => f.file_id !== event.data.fileId);
      return removed?.role === 0 ? { ...s, files, columns: [], registry: null } : { ...s, files };
    }
    case 'ProductContentsRegistered': {
      const d = event.data;
      return {
        ...s, status: s.status === 9 ? 0 : s.status,
        columns: d.columns.map((c) => ({ name: c.name, type: c.type, order: c.order, ucd: c.ucd, alias: c.alias })),
        registry: { format: d.format, n_rows: d.nRows, error: null },
      };
    }
    case 'ProductRegistryFailed':
      return { ...s, status: 9, columns: [], registry: { format: null, n_rows: null, error: `${event.data.code}: ${event.data.reason}` } };
    case 'ProductColumnAssociated': {
      const d = event.data;
      return { ...s, columns: s.columns.map((c) => (c.name === d.columnName ? { ...c, ucd: d.ucd, alias: d.alias } : c)) };
    }
    case 'ProductPublished':
      return { ...s, status: 1 };
    case 'ProductProcessingFailed':
      return { ...s, status: 9 };
    case 'ProductDeleted':
      return { ...s, status: 2 };
    case 'ProductMarkedOfficial':
      return { ...s, official_product: true };
    case 'ProductOfficialCleared':
      return { ...s, official_product: false };
    case 'ProductShared':
      return { ...s, shares: [...s.shares, { share_id: event.data.shareId, expires_at: event.data.expiresAt, revoked: false }] };
    case 'ProductShareRevoked':
      return { ...s, shares: s.shares.map((sh) => (sh.share_id === event.data.shareId ? { ...sh, revoked: true } : sh)) };
    default:
      return state;
  }
}

/**
 * The content hash of a version: sha256 over its files, one `<sha256> <role> <name>` line each,
 * sorted. Two versions with the same files (bytes, roles, names) have the same hash.
 */
export function contentHash(snapshot: ProductSnapshot): string {
  const lines = snapshot.files.map((f) => `${f.sha256} ${f.role} ${f.name}\n`).sort();
  return createHash('sha256').update(lines.join('')).digest('hex');
}
