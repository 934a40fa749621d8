import { sql } from 'kysely';
import { openConfiguredBlobStore } from '@pz/blobs';
import type { Config } from '@pz/config';
import { openDatabase, type Database } from '@pz/database';
import { ledgerSigningKey, openEventStore, openLedgerIntegrity } from '@pz/ledger';
import { catalogueProjection, createProjector, provenanceProjection, type CatalogueTables, type ProvenanceTables } from '@pz/projections';
import { buildApp, type AppOptions } from './app';
import { singleKeyring, type Keyring } from './auth/keyring';
import { persistentSecret } from './auth/persistent-secret';
import { createOidcLogin, type IdentityGroupSync, type OidcLogin } from './auth/oidc/oidc-login';
import { openIdentityProvider, type IdentityProviderOptions } from './auth/oidc/identity-provider';
import { openPortalSessions } from './auth/portal-sessions';
import { createCommandBus } from './commands/command-bus';
import { createIdempotencyKeys } from './commands/idempotency-keys';
import { openUploadSlots } from './files/upload-slots';
import { openRateLimitStore } from './http/rate-limit-store';
import type { AppDeps } from './deps';
import type { PzApp } from './http/app-types';
import { createIdAllocator } from './ids';
import { migrateReadFailures } from './registry/read-failures';
import { migrateUsernameClaims } from './auth/username-twin';
import { syncIdentityGroups } from './groups/sync-identity-groups';
import { configureTableReaders } from '@pz/tables';
import { seedReferenceData } from './seed';
import { startDispatcher } from './webhooks/dispatcher';
import { parseAllowList } from './webhooks/target-guard';
import { migrateWebhooks, type WebhookTables } from './webhooks/webhook-store';
import { createLineageLock } from './provenance/lineage-lock';

export interface RunningServices {
  readonly deps: AppDeps;
  readonly app: PzApp;
  close(): Promise<void>;
}

export interface StartOptions extends AppOptions {
  /** An already open database (tests hand in an isolated one). */
  readonly database?: Database;
  /** What a login through the identity provider does with the groups its claim names (tests record them). */
  readonly syncIdentityGroups?: IdentityGroupSync;
  /** How to reach the identity provider (tests put themselves in the way). */
  readonly identityProvider?: IdentityProviderOptions;
}


/** Opens storage, starts the projector, seeds reference data, and builds the HTTP app (not yet listening). */
export async function startServices(config: Config, options: StartOptions = {}): Promise<RunningServices> {
  configureTableReaders(config.tableReaders);
  const database = options.database ?? (await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir, schema: config.databaseSchema ?? undefined }));
  const store = await openEventStore(config, database);
  const blobs = await openConfiguredBlobStore(config);
  const projector = createProjector(database, store, [catalogueProjection, provenanceProjection], {
    onError: (error) => console.error('projector:', error instanceof Error ? error.message : error),
  });
  await projector.start();
  const bus = createCommandBus(store, { waitForProjection: (position) => projector.waitFor(position, 10_000), idempotencyKeys: await createIdempotencyKeys(database) });
  const allocateIds = await createIdAllocator(database);
  await migrateReadFailures(database);
  await migrateUsernameClaims(database);
  await migrateWebhooks(database);
  const catalogue = database.kysely.withTables<CatalogueTables>();
  const provenance = database.kysely.withTables<ProvenanceTables>();
  await seedReferenceData(bus);
  await advanceIdSequences(database, catalogue);
  const [current, ...older] = config.secrets ?? [];
  const keyring: Keyring = current ? { current, older } : singleKeyring(config.secret ?? persistentSecret(config.dataDir));
  const secret = keyring.current.key;
  const sessions = await openPortalSessions(database, keyring);
  const uploadSlots = await openUploadSlots(database, config.maxConcurrentUploadsPerUser);
  const rateLimitStore = await openRateLimitStore(database);
  const ledger = await openLedgerIntegrity(store, database, {
    dataDir: config.dataDir,
    key: ledgerSigningKey(config.dataDir, config.ledgerSigningKey),
    intervalMs: config.ledgerCheckpointIntervalS * 1000,
    everyEvents: config.ledgerCheckpointEveryEvents,
    onError: (error) => console.error('ledger checkpoints:', error instanceof Error ? error.message : error),
  });
  await ledger.checkpointer.start();
  const oidcLogin: OidcLogin | null = config.oidc && createOidcLogin({
    settings: config.oidc, publicUrl: config.publicUrl, keyring,
    provider: openIdentityProvider(config.oidc, options.identityProvider),
    accounts: { bus, allocateIds, catalogue },
    // The identity provider's group claim, at each login, becomes the user's identity_provider memberships (groups/sync-identity-groups.ts).
    syncGroups: options.syncIdentityGroups ?? ((userId, names, context) => syncIdentityGroups({ bus, catalogue }, userId, names, context)),
  });
  const deps: AppDeps = { config, database, store, blobs, projector, catalogue, bus, allocateIds, secret, keyring, sessions, uploadSlots, rateLimitStore, ledger, oidcLogin, provenance, lineageLock: createLineageLock(database) };
  const app = await buildApp(deps, options);
  const webhooks = startDispatcher({
    store, catalogue, provenance, webhooks: database.kysely.withTables<WebhookTables>(), allow: parseAllowList(config.webhookAllowList),
    retryBaseMs: config.webhookRetryBaseMs, maxFailures: config.webhookMaxFailures, projected: (position) => projector.waitFor(position, 10_000),
    onError: (error) => console.error('webhooks:', error instanceof Error ? error.message : error),
  });
  return {
    deps,
    app,
    async close() {
      await app.close();
      await webhooks.stop();
      uploadSlots.close();
      await ledger.checkpointer.stop();
      await projector.stop();
      await store.close();
      if (!options.database) await database.close();
    },
  };
}

/**
 * After a replay into a fresh database the sequences start at 1 while the events already name
 * higher ids: move each sequence past the largest id the read models hold.
 */
async function advanceIdSequences(database: Database, catalogue: AppDeps['catalogue']): Promise<void> {
  const maxima: [string, Promise<{ m: number | null } | undefined>][] = [
    ['product_ids', catalogue.selectFrom('products').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst()],
    ['file_ids', catalogue.selectFrom('product_files').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst()],
    ['column_ids', catalogue.selectFrom('product_contents').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst()],
    ['user_ids', catalogue.selectFrom('users').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst()],
    ['release_ids', catalogue.selectFrom('releases').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst()],
  ];
  for (const [sequence, maxRow] of maxima) {
    const max = (await maxRow)?.m;
    if (max) await sql`SELECT setval(${sequence}, greatest(${max}::bigint, (SELECT last_value FROM ${sql.table(sequence)})))`.execute(database.kysely);
  }
}

/** The embedded setup keeps its HMAC key in the data folder so sessions survive a restart. */
