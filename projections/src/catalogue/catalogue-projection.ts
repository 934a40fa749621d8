import type { Kysely } from 'kysely';
import { EVENT_CATALOGUE, type LogPosition, type PzEvent, type RecordedEvent } from '@pz/contracts';
import type { Projection } from '../projection';
import { catalogueMigrations } from './migrations';
import { PRODUCT_EVENT_TYPES, applyProductEvents, searchText } from './product-changes';
import { RUN_STATUS_OF, applyRunStatus } from './run-status';
import type { CatalogueTables } from './tables';

/**
 * The catalogue read model: product types, releases, users and tokens, products with their
 * files, column contents, registry results and shares. Every timestamp comes from the event's
 * `recordedAt`, so a rebuild gives identical rows.
 */
export const catalogueProjection: Projection = {
  name: 'catalogue',
  // 2: pipeline outputs' process_status (run-status.ts) and owners' names after a profile change, filled in by replaying the log.
  version: 2,
  eventTypes: EVENT_CATALOGUE.map((e) => e.type).filter((t) => !t.startsWith('PipelineRun') || RUN_STATUS_OF.has(t)),
  tables: ['release_access', 'group_members', 'groups', 'catalogue_listing_changes', 'product_shares', 'product_registry', 'product_contents', 'product_files', 'products', 'api_tokens', 'users', 'releases', 'product_types'],
  migrations: catalogueMigrations,
  apply: (db, events) => applyCatalogueEvents(db.withTables<CatalogueTables>(), events),
};

/**
 * Runs of product events (nearly the whole log) are applied together, in a few set-based
 * statements (see product-changes.ts); any other event first writes the run before it, so
 * each event sees the rows that every earlier event left. The position of the last change that
 * may change a product list (listing-columns.ts) is recorded with the batch.
 */
async function applyCatalogueEvents(db: Kysely<CatalogueTables>, events: readonly RecordedEvent[]): Promise<void> {
  let run: RecordedEvent[] = [];
  let listingChanged: LogPosition | null = null;
  for (const event of events) {
    if (PRODUCT_EVENT_TYPES.has(event.type)) {
      run.push(event);
      continue;
    }
    // Runs and events come in log order: the last listing change seen is the latest.
    if (run.length) listingChanged = (await applyProductEvents(db, run)) ?? listingChanged;
    run = [];
    if (RUN_STATUS_OF.has(event.type)) {
      await applyRunStatus(db, event);
      continue;
    }
    await applyReferenceEvent(db, event);
    // A new type or release: type and release filters match names in those tables, and the rows show them.
    // A membership or a release's access: who sees which products (visibility) changed.
    // An owner's new name: lists search and show it.
    if (LISTING_REFERENCE_EVENTS.has(event.type)) listingChanged = event.position;
  }
  if (run.length) listingChanged = (await applyProductEvents(db, run)) ?? listingChanged;
  if (listingChanged) {
    const position = { commit_position: listingChanged.commit.toString(), prepare_position: listingChanged.prepare.toString() };
    await db.insertInto('catalogue_listing_changes').values({ id: 1, ...position }).onConflict((oc) => oc.column('id').doUpdateSet(position)).execute();
  }
}

/** Reference events after which a product list may choose differently. */
const LISTING_REFERENCE_EVENTS = new Set(['ProductTypeSeeded', 'ReleaseAdded', 'GroupMemberAdded', 'GroupMemberRemoved', 'ReleaseAccessSet', 'UserProfileChanged']);

/** Product types, releases, users and tokens, groups and release access: rare events, one statement or two each. */
async function applyReferenceEvent(db: Kysely<CatalogueTables>, recorded: RecordedEvent): Promise<void> {
  const event = { type: recorded.type, data: recorded.data } as PzEvent;
  const at = recorded.metadata.recordedAt;

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
    case 'UserProfileChanged': {
      const d = event.data;
      await db.updateTable('users').set({ first_name: d.firstName, last_name: d.lastName, email: d.email }).where('id', '=', d.userId).execute();
      // The owner's name is on each of their products (listed, searched): renamed with them.
      const ownerName = `${d.firstName} ${d.lastName}`.trim();
      const owned = await db.selectFrom('products').select(['id', 'display_name', 'owner_username', 'owner_name']).where('owner_id', '=', d.userId).execute();
      for (const product of owned.filter((p) => p.owner_name !== ownerName)) {
        await db.updateTable('products')
          .set({ owner_name: ownerName, search_text: searchText(product.display_name, product.owner_username, ownerName), changed_commit: recorded.position.commit.toString(), changed_prepare: recorded.position.prepare.toString() })
          .where('id', '=', product.id)
          .execute();
      }
      return;
    }
    case 'ApiTokenIssued': {
      const d = event.data;
      if (d.replacesTokenId) await db.updateTable('api_tokens').set({ active: false }).where('token_id', '=', d.replacesTokenId).execute();
      await db.insertInto('api_tokens').values({ token_id: d.tokenId, user_id: d.userId, token_hash: d.tokenHash, active: true, created_at: at }).execute();
      return;
    }
    case 'GroupCreated':
      await db.insertInto('groups').values({ name: event.data.name, description: event.data.description, source: event.data.source, created_at: at }).execute();
      return;
    case 'GroupMemberAdded': {
      const d = event.data;
      await db.insertInto('group_members').values({ group_name: d.name, user_id: d.userId, source: d.source, added_at: at }).onConflict((oc) => oc.doNothing()).execute();
      return;
    }
    case 'GroupMemberRemoved': {
      const d = event.data;
      await db.deleteFrom('group_members').where('group_name', '=', d.name).where('user_id', '=', d.userId).where('source', '=', d.source).execute();
      return;
    }
    case 'ReleaseAccessSet': {
      const d = event.data;
      await db.updateTable('releases').set({ is_public: d.groups.length === 0 }).where('name', '=', d.releaseName).execute();
      await db.deleteFrom('release_access').where('release_name', '=', d.releaseName).execute();
      if (d.groups.length) await db.insertInto('release_access').values(d.groups.map((g) => ({ release_name: d.releaseName, group_name: g }))).execute();
      return;
    }
    case 'ApiTokenRevoked':
      await db.updateTable('api_tokens').set({ active: false }).where('token_id', '=', event.data.tokenId).execute();
      return;
    default:
      return;
  }
}
