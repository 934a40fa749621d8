import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Kysely } from 'kysely';
import type { BlobStore } from '@pz/blobs';
import type { Config } from '@pz/config';
import type { EventStore } from '@pz/contracts';
import type { Database } from '@pz/database';
import type { LedgerIntegrity } from '@pz/ledger';
import type { CatalogueTables, Projector, ProvenanceTables } from '@pz/projections';
import type { Keyring } from './auth/keyring';
import type { OidcLogin } from './auth/oidc/oidc-login';
import type { PortalSessions } from './auth/portal-sessions';
import type { CommandBus } from './commands/command-bus';
import type { UploadSlots } from './files/upload-slots';
import type { LineageLock } from './provenance/lineage-lock';
import type { IdAllocator } from './ids';

/** Everything a route may use; built once by the server, handed to the app. */
export interface AppDeps {
  readonly config: Config;
  readonly database: Database;
  readonly store: EventStore;
  readonly blobs: BlobStore;
  readonly projector: Projector;
  readonly catalogue: Kysely<CatalogueTables>;
  /** The provenance read model (derivation edges, pipeline runs). */
  readonly provenance: Kysely<ProvenanceTables>;
  /** Held by a derivation declaration from its cycle check until it is recorded (every process on the database). */
  readonly lineageLock: LineageLock;
  readonly bus: CommandBus;
  readonly allocateIds: IdAllocator;
  /** The current HMAC key (keyring.current.key). */
  readonly secret: string;
  /** The signing keys of sessions and download links, with ids (keyring.ts). */
  readonly keyring: Keyring;
  /** Portal sign-ins, ended by signing out. */
  readonly sessions: PortalSessions;
  /** Per-user upload slots, counted in the database (shared by every process). */
  readonly uploadSlots: UploadSlots;
  /** The rate limiter's counters, kept in the database (shared by every process). */
  readonly rateLimitStore: FastifyRateLimitStoreCtor;
  /** Signed checkpoints of the stream heads, the public key, and `ledger verify`. */
  readonly ledger: LedgerIntegrity;
  /** Login through the OpenID Connect provider; null when none is configured (OIDC_ISSUER unset). */
  readonly oidcLogin: OidcLogin | null;
}
