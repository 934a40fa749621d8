import type { Kysely } from 'kysely';
import { EVENT_CATALOGUE, type PzEvent, type RecordedEvent } from '@pz/contracts';
import type { Projection } from '../projection';
import { catalogueMigrations } from './migrations';
import type { CatalogueTables } from './tables';

/**
 * The catalogue read model: product types, releases, users and tokens, products with their
 * files, column contents, registry results and shares. Every timestamp comes from the event's
 * `recordedAt`, so a rebuild gives identical rows.
 */
export const catalogueProjection: Projection = {
  name: 'catalogue',
  version: 1,
  eventTypes: EVENT_CATALOGUE.map((e) => e.type).filter((t) => !t.startsWith('PipelineRun')),
  tables: ['product_shares', 'product_registry', 'product_contents', 'product_files', 'products', 'api_tokens', 'users', 'releases', 'product_types'],
  migrations: catalogueMigrations,
  apply: (db, event) => applyCatalogueEvent(db.withTables<CatalogueTables>(), event),
};

async function applyCatalogueEvent(db: Kysely<CatalogueTables>, recorded: RecordedEvent): Promise<void> {
  const event = { type: recorded.type, data: recorded.data } as PzEvent;
  const at = recorded.metadata.recordedAt;
  const touch = (productId: number) =>
    db.updateTable('products').set({ updated_at: at, last_revision: recorded.revision.toString() }).where('id', '=', productId).execute();

  switch (event.type) {
    case 'ProductTypeSeeded': {
      const d = event.data;
      await db.insertInto('product_types').values({ id: d.productTypeId, name: d.name, display_name: d.displayName, order: d.order, description: d.description, created_at: at }).onConflict((oc) => oc.column('id').doNothing()).execute();
      return;
    }
    case 'ReleaseAdded': {
      const d = event.data;
      await db
        .insertInto('releases')
        .values({ id: d.releaseId, name: d.name, display_name: d.displayName, description: d.description, created_at: at, indexing_column: d.indexingColumn, has_mag_hats: d.hasMagHats, has_flux_hats: d.hasFluxHats, dereddening: d.dereddening, fluxes: JSON.stringify(d.fluxes), is_public: d.isPublic })
        .execute();
      return;
    }
    case 'UserRegistered': {
      const d = event.data;
      await db.insertInto('users').values({ id: d.userId, username: d.username, first_name: d.firstName, last_name: d.lastName, email: d.email, password_hash: d.passwordHash, is_admin: d.isAdmin, created_at: at }).execute();
      return;
    }
    case 'UserPasswordChanged':
      await db.updateTable('users').set({ password_hash: event.data.passwordHash }).where('id', '=', event.data.userId).execute();
      return;
    case 'UserAdminRoleChanged':
      await db.updateTable('users').set({ is_admin: event.data.isAdmin }).where('id', '=', event.data.userId).execute();
      return;
    case 'ApiTokenIssued': {
      const d = event.data;
      if (d.replacesTokenId) await db.updateTable('api_tokens').set({ active: false }).where('token_id', '=', d.replacesTokenId).execute();
      await db.insertInto('api_tokens').values({ token_id: d.tokenId, user_id: d.userId, token_hash: d.tokenHash, active: true, created_at: at }).execute();
      return;
    }
    case 'ApiTokenRevoked':
      await db.updateTable('api_tokens').set({ active: false }).where('token_id', '=', event.data.tokenId).execute();
      return;
    case 'ProductRegistered': {
      const d = event.data;
      const owner = await db.selectFrom('users').select(['username', 'first_name', 'last_name']).where('id', '=', d.ownerId).executeTakeFirst();
      const ownerName = owner ? `${owner.first_name} ${owner.last_name}`.trim() : '';
      const username = owner?.username ?? `user ${d.ownerId}`;
      await db
        .insertInto('products')
        .values({
          id: d.productId,
          internal_name: d.internalName,
          display_name: d.displayName,
          product_type_name: d.productTypeName,
          release_name: d.releaseName,
          official_product: d.officialProduct,
          pz_code: d.pzCode,
          description: d.description,
          owner_id: d.ownerId,
          owner_username: username,
          owner_name: ownerName,
          origin: d.origin,
          process_id: d.processId,
          status: d.initialStatus,
          created_at: at,
          updated_at: at,
          search_text: searchText(d.displayName, username, ownerName),
          derived_from: JSON.stringify(d.derivedFrom),
          last_revision: recorded.revision.toString(),
        })
        .execute();
      return;
    }
    case 'ProductMetadataEdited': {
      const c = event.data.changes;
      const product = await db.selectFrom('products').select(['owner_username', 'owner_name', 'display_name']).where('id', '=', event.data.productId).executeTakeFirst();
      await db
        .updateTable('products')
        .set({
          ...(c.displayName !== undefined ? { display_name: c.displayName, search_text: searchText(c.displayName, product?.owner_username ?? '', product?.owner_name ?? '') } : {}),
          ...(c.description !== undefined ? { description: c.description } : {}),
          ...(c.pzCode !== undefined ? { pz_code: c.pzCode } : {}),
          ...(c.releaseName !== undefined ? { release_name: c.releaseName } : {}),
        })
        .where('id', '=', event.data.productId)
        .execute();
      await touch(event.data.productId);
      return;
    }
    case 'ProductDerivationDeclared':
      await db.updateTable('products').set({ derived_from: JSON.stringify(event.data.derivedFrom) }).where('id', '=', event.data.productId).execute();
      await touch(event.data.productId);
      return;
    case 'ProductFileAttached': {
      const d = event.data;
      await db
        .insertInto('product_files')
        .values({ id: d.fileId, product_id: d.productId, role: d.role, name: d.name, mime_type: d.mimeType, extension: d.extension, size: String(d.size), sha256: d.sha256, crc32: String(d.crc32), stored: d.stored, created: at, updated: at })
        .execute();
      await touch(d.productId);
      return;
    }
    case 'ProductFileRemoved': {
      const removed = await db.deleteFrom('product_files').where('id', '=', event.data.fileId).returning('role').executeTakeFirst();
      if (removed?.role === 0) {
        await db.deleteFrom('product_contents').where('product_id', '=', event.data.productId).execute();
        await db.deleteFrom('product_registry').where('product_id', '=', event.data.productId).execute();
      }
      await touch(event.data.productId);
      return;
    }
    case 'ProductContentsRegistered': {
      const d = event.data;
      await db.deleteFrom('product_contents').where('product_id', '=', d.productId).execute();
      if (d.columns.length > 0) {
        await db
          .insertInto('product_contents')
          .values(d.columns.map((c) => ({ id: c.id, product_id: d.productId, column_name: c.name, type: c.type, order: c.order, ucd: c.ucd, alias: c.alias })))
          .execute();
      }
      const registry = { file_id: d.fileId, format: d.format, n_rows: d.nRows === null ? null : String(d.nRows), details: JSON.stringify(d.details), error_code: null, error_message: null };
      await db.insertInto('product_registry').values({ product_id: d.productId, ...registry }).onConflict((oc) => oc.column('product_id').doUpdateSet(registry)).execute();
      await db.updateTable('products').set({ status: 0 }).where('id', '=', d.productId).where('status', '=', 9).execute();
      await touch(d.productId);
      return;
    }
    case 'ProductRegistryFailed': {
      const d = event.data;
      await db.deleteFrom('product_contents').where('product_id', '=', d.productId).execute();
      const registry = { file_id: d.fileId, format: null, n_rows: null, details: '{}', error_code: d.code, error_message: d.reason };
      await db.insertInto('product_registry').values({ product_id: d.productId, ...registry }).onConflict((oc) => oc.column('product_id').doUpdateSet(registry)).execute();
      await db.updateTable('products').set({ status: 9 }).where('id', '=', d.productId).execute();
      await touch(d.productId);
      return;
    }
    case 'ProductColumnAssociated': {
      const d = event.data;
      await db.updateTable('product_contents').set({ ucd: d.ucd, alias: d.alias }).where('product_id', '=', d.productId).where('column_name', '=', d.columnName).execute();
      await touch(d.productId);
      return;
    }
    case 'ProductPublished':
      await setStatus(db, event.data.productId, 1);
      await touch(event.data.productId);
      return;
    case 'ProductProcessingFailed':
      await setStatus(db, event.data.productId, 9);
      await touch(event.data.productId);
      return;
    case 'ProductDeleted':
      await setStatus(db, event.data.productId, 2);
      await touch(event.data.productId);
      return;
    case 'ProductMarkedOfficial':
    case 'ProductOfficialCleared':
      await db.updateTable('products').set({ official_product: event.type === 'ProductMarkedOfficial' }).where('id', '=', event.data.productId).execute();
      await touch(event.data.productId);
      return;
    case 'ProductShared': {
      const d = event.data;
      await db.insertInto('product_shares').values({ share_id: d.shareId, product_id: d.productId, key_hash: d.keyHash, expires_at: d.expiresAt, revoked: false, created_at: at }).execute();
      return;
    }
    case 'ProductShareRevoked':
      await db.updateTable('product_shares').set({ revoked: true }).where('share_id', '=', event.data.shareId).execute();
      return;
    default:
      return;
  }
}

const setStatus = (db: Kysely<CatalogueTables>, productId: number, status: number) =>
  db.updateTable('products').set({ status }).where('id', '=', productId).execute();

const searchText = (displayName: string, username: string, ownerName: string) => `${displayName} ${username} ${ownerName}`.toLowerCase();
