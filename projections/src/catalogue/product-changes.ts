import type { Insertable, Kysely, Selectable } from 'kysely';
import type { EventOfType, LogPosition, RecordedEvent } from '@pz/contracts';
import { descriptionHtml } from './description-html';
import { listingSignature } from './listing-columns';
import type { CatalogueTables } from './tables';

/** The events that change one product's rows (products, its files, contents, registry, shares). */
export const PRODUCT_EVENT_TYPES = new Set([
  'ProductRegistered', 'ProductMetadataEdited', 'ProductDerivationDeclared', 'ProductFileAttached', 'ProductFileRemoved',
  'ProductContentsRegistered', 'ProductRegistryFailed', 'ProductColumnAssociated', 'ProductPublished', 'ProductProcessingFailed',
  'ProductDeleted', 'ProductMarkedOfficial', 'ProductOfficialCleared', 'ProductShared', 'ProductShareRevoked',
  'ProductReleaseYearSet',
]);

type ProductEvent = EventOfType<
  | 'ProductRegistered' | 'ProductMetadataEdited' | 'ProductDerivationDeclared' | 'ProductFileAttached' | 'ProductFileRemoved'
  | 'ProductContentsRegistered' | 'ProductRegistryFailed' | 'ProductColumnAssociated' | 'ProductPublished' | 'ProductProcessingFailed'
  | 'ProductDeleted' | 'ProductMarkedOfficial' | 'ProductOfficialCleared' | 'ProductShared' | 'ProductShareRevoked'
  | 'ProductReleaseYearSet'
>;

type Product = Omit<Selectable<CatalogueTables['products']>, 'created_at' | 'updated_at'> & { created_at: string; updated_at: string };
type ContentRow = Selectable<CatalogueTables['product_contents']>;
type RegistryRow = Omit<Insertable<CatalogueTables['product_registry']>, 'product_id'>;
type FileRow = Insertable<CatalogueTables['product_files']>;
type ShareRow = Insertable<CatalogueTables['product_shares']>;

/** PostgreSQL takes at most 65,535 parameters per statement. */
const MAX_PARAMETERS = 60_000;

/**
 * Applies a run of product events in a few set-based statements instead of one or more round
 * trips per event: the rows the run touches are loaded at once, the events change them in
 * memory in log order, and the results are written back per table. The rows are those that
 * applying the events one at a time would give: catalogue-projection.test checks that how the
 * log is cut into runs changes nothing, the API tests check the rows themselves. Products
 * depend on nothing outside their own rows except the owner's names, which the caller keeps
 * current by writing every other kind of event before the run that follows it. Returns the
 * position of the run's last event after which a product list may choose differently (a new
 * product, or listing columns changed: listing-columns.ts), or null.
 */
export async function applyProductEvents(db: Kysely<CatalogueTables>, recorded: readonly RecordedEvent[]): Promise<LogPosition | null> {
  const events = recorded.map((r) => ({ event: { type: r.type, data: r.data } as ProductEvent, at: r.metadata.recordedAt, revision: r.revision.toString(), position: r.position }));
  const productIds = unique(events.map(({ event }) => event.data.productId));
  const ownerIds = unique(events.flatMap(({ event }) => (event.type === 'ProductRegistered' ? [event.data.ownerId] : [])));
  const removedFileIds = unique(events.flatMap(({ event }) => (event.type === 'ProductFileRemoved' ? [event.data.fileId] : [])));
  // A product's rows all come after its registration (the decider refuses anything else), so
  // a product registered in this run has nothing stored to load or delete.
  const firstTypes = new Map<number, string>();
  for (const { event } of events) if (!firstTypes.has(event.data.productId)) firstTypes.set(event.data.productId, event.type);
  const stored = (productId: number) => firstTypes.get(productId) !== 'ProductRegistered';
  const associated = unique(events.flatMap(({ event }) => (event.type === 'ProductColumnAssociated' && stored(event.data.productId) ? [event.data.productId] : [])));

  const products = new Map<number, Product>();
  /** Each product's listing columns after its latest event so far (as loaded, before the run). */
  const listed = new Map<number, string>();
  for (const p of productIds.length ? await db.selectFrom('products').selectAll().where('id', 'in', productIds).execute() : []) {
    products.set(p.id, { ...p, created_at: p.created_at.toISOString(), updated_at: p.updated_at.toISOString() });
    listed.set(p.id, listingSignature(p));
  }
  const owners = new Map((ownerIds.length ? await db.selectFrom('users').select(['id', 'username', 'first_name', 'last_name']).where('id', 'in', ownerIds).execute() : []).map((u) => [u.id, u]));
  const storedFiles = new Map((removedFileIds.length ? await db.selectFrom('product_files').select(['id', 'role']).where('id', 'in', removedFileIds).execute() : []).map((f) => [f.id, f.role]));
  /** Each product's columns, for the products whose columns these events replace or annotate. */
  const contents = new Map<number, ContentRow[]>(productIds.map((id) => [id, []]));
  for (const c of associated.length ? await db.selectFrom('product_contents').selectAll().where('product_id', 'in', associated).orderBy('id').execute() : []) {
    contents.get(c.product_id)?.push(c);
  }

  const changedProducts = new Set<number>();
  const changedContents = new Set<number>();
  const registry = new Map<number, RegistryRow | null>();
  const newFiles = new Map<number, FileRow>();
  const deletedFiles = new Set<number>();
  const newShares = new Map<string, ShareRow>();
  const revokedShares = new Set<string>();

  /** The last event after which a product list may choose differently (see listing-columns.ts). */
  let listingChanged: LogPosition | null = null;
  for (const { event, at, revision, position } of events) {
    const productId = event.data.productId;
    const product = products.get(productId);
    // Every event of the product's stream moves last_revision (the ETag, checked by If-Match
    // against the stream) and the position its rows last changed at; only those that change
    // the product itself move updated_at.
    const advance = () => {
      if (!product) return;
      product.last_revision = revision;
      product.changed_commit = position.commit.toString();
      product.changed_prepare = position.prepare.toString();
      changedProducts.add(productId);
    };
    const touch = () => {
      if (product) product.updated_at = at;
      advance();
    };
    const setStatus = (status: number) => {
      if (product) product.status = status;
    };
    const clearContents = () => {
      contents.set(productId, []);
      changedContents.add(productId);
    };

    switch (event.type) {
      case 'ProductRegistered': {
        const d = event.data;
        if (product) throw new Error(`ProductRegistered: product ${productId} is already in the catalogue`);
        const owner = owners.get(d.ownerId);
        const ownerName = owner ? `${owner.first_name} ${owner.last_name}`.trim() : '';
        const username = owner?.username ?? `user ${d.ownerId}`;
        products.set(productId, {
          id: productId, internal_name: d.internalName, display_name: d.displayName, product_type_name: d.productTypeName,
          release_name: d.releaseName, release_year: null, official_product: d.officialProduct, pz_code: d.pzCode, description: d.description,
          description_html: descriptionHtml(d.description),
          owner_id: d.ownerId, owner_username: username, owner_name: ownerName, origin: d.origin, process_id: d.processId, process_status: null,
          status: d.initialStatus, created_at: at, updated_at: at, search_text: searchText(d.displayName, username, ownerName),
          derived_from: d.derivedFrom, last_revision: revision,
          changed_commit: position.commit.toString(), changed_prepare: position.prepare.toString(),
        });
        changedProducts.add(productId);
        break;
      }
      case 'ProductMetadataEdited': {
        const c = event.data.changes;
        if (product) {
          if (c.displayName !== undefined) {
            product.display_name = c.displayName;
            product.search_text = searchText(c.displayName, product.owner_username, product.owner_name);
          }
          if (c.description !== undefined) {
            product.description = c.description;
            product.description_html = descriptionHtml(c.description);
          }
          if (c.pzCode !== undefined) product.pz_code = c.pzCode;
          if (c.releaseName !== undefined) product.release_name = c.releaseName;
        }
        touch();
        break;
      }
      case 'ProductReleaseYearSet':
        if (product) product.release_year = event.data.releaseYear;
        touch();
        break;
      case 'ProductDerivationDeclared':
        if (product) product.derived_from = event.data.derivedFrom;
        touch();
        break;
      case 'ProductFileAttached': {
        const d = event.data;
        if (newFiles.has(d.fileId)) throw new Error(`ProductFileAttached: file ${d.fileId} attached twice`);
        newFiles.set(d.fileId, { id: d.fileId, product_id: productId, role: d.role, name: d.name, mime_type: d.mimeType, extension: d.extension, size: String(d.size), sha256: d.sha256, crc32: String(d.crc32), stored: d.stored, created: at, updated: at });
        touch();
        break;
      }
      case 'ProductFileRemoved': {
        const fileId = event.data.fileId;
        let role: number | undefined;
        if (newFiles.has(fileId)) {
          role = newFiles.get(fileId)?.role;
          newFiles.delete(fileId);
        } else if (storedFiles.has(fileId)) {
          role = storedFiles.get(fileId);
          storedFiles.delete(fileId);
          deletedFiles.add(fileId);
        }
        if (role === 0) {
          clearContents();
          registry.set(productId, null);
        }
        touch();
        break;
      }
      case 'ProductContentsRegistered': {
        const d = event.data;
        contents.set(productId, d.columns.map((c) => ({
          id: c.id, product_id: productId, column_name: c.name, type: c.type, order: c.order, ucd: c.ucd, alias: c.alias,
          unit: c.unit ?? null, file_ucd: c.fileUcd ?? null, description: c.description ?? null,
          // Before suggestions existed, a set ucd or alias could only be the owner's.
          associated_by: c.associatedBy ?? (c.ucd !== null || c.alias !== null ? 'owner' : null),
          confidence: c.associatedBy === 'suggestion' ? (c.confidence ?? null) : null,
        })));
        changedContents.add(productId);
        registry.set(productId, { file_id: d.fileId, format: d.format, n_rows: d.nRows === null ? null : String(d.nRows), details: JSON.stringify(d.details), error_code: null, error_message: null });
        if (product?.status === 9) product.status = 0;
        touch();
        break;
      }
      case 'ProductRegistryFailed': {
        const d = event.data;
        clearContents();
        registry.set(productId, { file_id: d.fileId, format: null, n_rows: null, details: '{}', error_code: d.code, error_message: d.reason });
        setStatus(9);
        touch();
        break;
      }
      case 'ProductColumnAssociated': {
        const d = event.data;
        for (const column of contents.get(productId) ?? []) {
          if (column.column_name !== d.columnName) continue;
          column.ucd = d.ucd;
          column.alias = d.alias;
          column.associated_by = 'owner';
          column.confidence = null;
          changedContents.add(productId);
        }
        touch();
        break;
      }
      case 'ProductPublished':
        setStatus(1);
        touch();
        break;
      case 'ProductProcessingFailed':
        setStatus(9);
        touch();
        break;
      case 'ProductDeleted':
        setStatus(2);
        touch();
        break;
      case 'ProductMarkedOfficial':
      case 'ProductOfficialCleared':
        if (product) product.official_product = event.type === 'ProductMarkedOfficial';
        touch();
        break;
      case 'ProductShared': {
        const d = event.data;
        if (newShares.has(d.shareId)) throw new Error(`ProductShared: share ${d.shareId} recorded twice`);
        newShares.set(d.shareId, { share_id: d.shareId, product_id: productId, key_hash: d.keyHash, expires_at: d.expiresAt, revoked: false, created_at: at });
        advance();
        break;
      }
      case 'ProductShareRevoked': {
        const share = newShares.get(event.data.shareId);
        if (share) share.revoked = true;
        else revokedShares.add(event.data.shareId);
        advance();
        break;
      }
    }
    // A new product, or one whose listing columns this event changed.
    const now = products.get(productId);
    if (now) {
      const signature = listingSignature(now);
      if (signature !== listed.get(productId)) listingChanged = position;
      listed.set(productId, signature);
    }
  }

  if (deletedFiles.size) await db.deleteFrom('product_files').where('id', 'in', [...deletedFiles]).execute();
  await insertAll(db, 'product_files', [...newFiles.values()]);
  const storedContents = [...changedContents].filter(stored);
  if (storedContents.length) await db.deleteFrom('product_contents').where('product_id', 'in', storedContents).execute();
  await insertAll(db, 'product_contents', [...changedContents].flatMap((id) => contents.get(id) ?? []));
  const storedRegistry = [...registry.keys()].filter(stored);
  if (storedRegistry.length) await db.deleteFrom('product_registry').where('product_id', 'in', storedRegistry).execute();
  await insertAll(db, 'product_registry', [...registry].flatMap(([product_id, row]) => (row ? [{ product_id, ...row }] : [])));
  await insertAll(db, 'product_shares', [...newShares.values()]);
  if (revokedShares.size) await db.updateTable('product_shares').set({ revoked: true }).where('share_id', 'in', [...revokedShares]).execute();
  await upsertProducts(db, [...changedProducts].flatMap((id) => products.get(id) ?? []));
  return listingChanged;
}

async function insertAll<T extends 'product_files' | 'product_contents' | 'product_registry' | 'product_shares'>(db: Kysely<CatalogueTables>, table: T, rows: Insertable<CatalogueTables[T]>[]): Promise<void> {
  for (const chunk of chunks(rows)) await db.insertInto(table).values(chunk).execute();
}

/** New products are inserted; changed ones have their changeable columns replaced. */
async function upsertProducts(db: Kysely<CatalogueTables>, rows: Product[]): Promise<void> {
  const values = rows.map((p): Insertable<CatalogueTables['products']> => ({ ...p, derived_from: JSON.stringify(p.derived_from) }));
  for (const chunk of chunks(values)) {
    await db
      .insertInto('products')
      .values(chunk)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          display_name: eb.ref('excluded.display_name'),
          release_name: eb.ref('excluded.release_name'),
          release_year: eb.ref('excluded.release_year'),
          official_product: eb.ref('excluded.official_product'),
          pz_code: eb.ref('excluded.pz_code'),
          description: eb.ref('excluded.description'),
          description_html: eb.ref('excluded.description_html'),
          status: eb.ref('excluded.status'),
          updated_at: eb.ref('excluded.updated_at'),
          search_text: eb.ref('excluded.search_text'),
          derived_from: eb.ref('excluded.derived_from'),
          last_revision: eb.ref('excluded.last_revision'),
          changed_commit: eb.ref('excluded.changed_commit'),
          changed_prepare: eb.ref('excluded.changed_prepare'),
        })),
      )
      .execute();
  }
}

function* chunks<T extends object>(rows: T[]): Generator<T[]> {
  const first = rows[0];
  if (!first) return;
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / Object.keys(first).length));
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

const unique = (ids: number[]): number[] => [...new Set(ids)];

export const searchText = (displayName: string, username: string, ownerName: string) => `${displayName} ${username} ${ownerName}`.toLowerCase();
