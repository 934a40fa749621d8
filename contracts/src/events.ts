import { Type, type Static, type TSchema } from 'typebox';

/**
 * The event catalogue. Every fact the service records is one of these, named in the past tense,
 * with a schema version. Released versions are never edited: a change adds a version, and
 * readers of older versions get an upcaster at that time.
 */
function defineEvent<T extends string, V extends number, S extends TSchema>(type: T, schemaVersion: V, data: S) {
  return { type, schemaVersion, data } as const;
}

const Nullable = <S extends TSchema>(s: S) => Type.Union([s, Type.Null()]);
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Instant = Type.String({ description: 'ISO-8601 UTC instant' });

// ---- product types and releases -------------------------------------------------------------

export const ProductTypeSeeded = defineEvent('ProductTypeSeeded', 1, Type.Object({
  productTypeId: Type.Integer(),
  name: Type.String(),
  displayName: Type.String(),
  order: Type.Integer(),
  description: Type.String(),
}));

export const ReleaseAdded = defineEvent('ReleaseAdded', 1, Type.Object({
  releaseId: Type.Integer(),
  name: Type.String(),
  displayName: Type.String(),
  description: Type.String(),
  indexingColumn: Type.String(),
  hasMagHats: Type.Boolean(),
  hasFluxHats: Type.Boolean(),
  dereddening: Nullable(Type.String()),
  fluxes: Type.Array(Type.String()),
  isPublic: Type.Boolean(),
}));

// ---- users and tokens -----------------------------------------------------------------------

export const UserRegistered = defineEvent('UserRegistered', 1, Type.Object({
  userId: Type.Integer(),
  username: Type.String(),
  firstName: Type.String(),
  lastName: Type.String(),
  email: Type.String(),
  /** A KDF digest (scrypt, with its parameters and salt), never the password. */
  passwordHash: Type.String(),
  isAdmin: Type.Boolean(),
}));

export const UserPasswordChanged = defineEvent('UserPasswordChanged', 1, Type.Object({
  userId: Type.Integer(),
  passwordHash: Type.String(),
}));

export const UserAdminRoleChanged = defineEvent('UserAdminRoleChanged', 1, Type.Object({
  userId: Type.Integer(),
  isAdmin: Type.Boolean(),
}));

export const ApiTokenIssued = defineEvent('ApiTokenIssued', 1, Type.Object({
  userId: Type.Integer(),
  tokenId: Type.String(),
  /** sha256 of the token key; the key itself is shown once and never stored. */
  tokenHash: Sha256,
  /** The token this one replaces (revoked by the same command), if any. */
  replacesTokenId: Nullable(Type.String()),
}));

export const ApiTokenRevoked = defineEvent('ApiTokenRevoked', 1, Type.Object({
  userId: Type.Integer(),
  tokenId: Type.String(),
}));

/** Name, given names and email changed (refreshed from the identity provider at a login). */
export const UserProfileChanged = defineEvent('UserProfileChanged', 1, Type.Object({
  userId: Type.Integer(),
  firstName: Type.String(),
  lastName: Type.String(),
  email: Type.String(),
}));

/**
 * An identity at an OpenID Connect provider (issuer, subject) now logs in as this user; recorded
 * in the identity's own stream, which makes the link unique. A later link of the same identity
 * replaces it (only when the user it named was never registered).
 */
export const IdentityLinked = defineEvent('IdentityLinked', 1, Type.Object({
  issuer: Type.String(),
  subject: Type.String(),
  userId: Type.Integer(),
  username: Type.String(),
}));

// ---- products -------------------------------------------------------------------------------

export const ProductRegistered = defineEvent('ProductRegistered', 1, Type.Object({
  productId: Type.Integer(),
  internalName: Type.String(),
  displayName: Type.String(),
  productTypeName: Type.String(),
  releaseName: Nullable(Type.String()),
  officialProduct: Type.Boolean(),
  pzCode: Nullable(Type.String()),
  description: Nullable(Type.String()),
  ownerId: Type.Integer(),
  /** "Upload", or the name of the pipeline that generates the product. */
  origin: Type.String(),
  processId: Nullable(Type.String()),
  /** Products this one was derived from (provenance). */
  derivedFrom: Type.Array(Type.Integer()),
  /** 0 registering, or 3 processing for a pipeline output. */
  initialStatus: Type.Union([Type.Literal(0), Type.Literal(3)]),
}));

export const ProductMetadataEdited = defineEvent('ProductMetadataEdited', 1, Type.Object({
  productId: Type.Integer(),
  changes: Type.Object({
    displayName: Type.Optional(Type.String()),
    description: Type.Optional(Nullable(Type.String())),
    pzCode: Type.Optional(Nullable(Type.String())),
    releaseName: Type.Optional(Nullable(Type.String())),
  }),
}));

/** The year a product's data belongs to, as the reference model's writable `release_year`; null: the release's. */
export const ProductReleaseYearSet = defineEvent('ProductReleaseYearSet', 1, Type.Object({
  productId: Type.Integer(),
  releaseYear: Nullable(Type.Integer()),
}));

export const ProductDerivationDeclared = defineEvent('ProductDerivationDeclared', 1, Type.Object({
  productId: Type.Integer(),
  derivedFrom: Type.Array(Type.Integer()),
}));

export const ProductFileAttached = defineEvent('ProductFileAttached', 1, Type.Object({
  productId: Type.Integer(),
  fileId: Type.Integer(),
  role: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)]),
  name: Type.String(),
  mimeType: Type.String(),
  extension: Type.String(),
  size: Type.Integer({ minimum: 0 }),
  sha256: Sha256,
  crc32: Type.Integer({ minimum: 0 }),
  /** false when only the metadata of an over-limit file is kept (no bytes in the hash store). */
  stored: Type.Boolean(),
}));

export const ProductFileRemoved = defineEvent('ProductFileRemoved', 1, Type.Object({
  productId: Type.Integer(),
  fileId: Type.Integer(),
}));

export const TableColumn = Type.Object({
  name: Type.String(),
  type: Type.String(),
});

export const ProductContentsRegistered = defineEvent('ProductContentsRegistered', 1, Type.Object({
  productId: Type.Integer(),
  fileId: Type.Integer(),
  format: Type.String(),
  nRows: Nullable(Type.Integer()),
  columns: Type.Array(Type.Object({
    /** The product-contents id of this column (kept for a same-named column on re-registry). */
    id: Type.Integer(),
    name: Type.String(),
    type: Type.String(),
    order: Type.Integer(),
    ucd: Nullable(Type.String()),
    alias: Nullable(Type.String()),
    /**
     * Who gave `ucd`/`alias`: the owner (kept from an earlier registry), or the role suggester.
     * Absent in events recorded before suggestions existed: then the owner, when either is set.
     */
    associatedBy: Type.Optional(Type.Union([Type.Literal('owner'), Type.Literal('suggestion')])),
    /** How sure the suggester was (0..1), when `associatedBy` is `suggestion`. */
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** What the file itself says of the column (FITS TUNITn, VOTable unit/ucd/description...). */
    unit: Type.Optional(Nullable(Type.String())),
    fileUcd: Type.Optional(Nullable(Type.String())),
    description: Type.Optional(Nullable(Type.String())),
  })),
  /** Format details shown by main_file_info (CSV delimiter, header, HDF5 dataset path...). */
  details: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
}));

export const ProductRegistryFailed = defineEvent('ProductRegistryFailed', 1, Type.Object({
  productId: Type.Integer(),
  fileId: Nullable(Type.Integer()),
  code: Type.String(),
  reason: Type.String(),
}));

export const ProductColumnAssociated = defineEvent('ProductColumnAssociated', 1, Type.Object({
  productId: Type.Integer(),
  columnName: Type.String(),
  ucd: Nullable(Type.String()),
  alias: Nullable(Type.String()),
}));

export const ProductPublished = defineEvent('ProductPublished', 1, Type.Object({
  productId: Type.Integer(),
}));

export const ProductProcessingFailed = defineEvent('ProductProcessingFailed', 1, Type.Object({
  productId: Type.Integer(),
  reason: Type.String(),
}));

export const ProductDeleted = defineEvent('ProductDeleted', 1, Type.Object({
  productId: Type.Integer(),
}));

export const ProductMarkedOfficial = defineEvent('ProductMarkedOfficial', 1, Type.Object({
  productId: Type.Integer(),
}));

export const ProductOfficialCleared = defineEvent('ProductOfficialCleared', 1, Type.Object({
  productId: Type.Integer(),
}));

export const ProductShared = defineEvent('ProductShared', 1, Type.Object({
  productId: Type.Integer(),
  shareId: Type.String(),
  /** sha256 of the share key carried by the link; the key is shown once. */
  keyHash: Sha256,
  expiresAt: Nullable(Instant),
}));

export const ProductShareRevoked = defineEvent('ProductShareRevoked', 1, Type.Object({
  productId: Type.Integer(),
  shareId: Type.String(),
}));

// ---- pipeline runs --------------------------------------------------------------------------
// A run is an activity (stream `run-<processId>`): what it used and what it generated are in its
// events, so provenance (PROV) is read from them alone. Defined with the skeleton and first
// recorded by the pipelines issue (nothing recorded the earlier shape).

/** A product a run read, as it was when the run was asked for. */
const RunInput = Type.Object({
  productId: Type.Integer(),
  internalName: Type.String(),
  productTypeName: Type.String(),
  /** The main file read: its content address. */
  fileId: Type.Integer(),
  sha256: Sha256,
  /** The column associations used (role → column). */
  columns: Type.Record(Type.String(), Type.String()),
});

export const PipelineRunRequested = defineEvent('PipelineRunRequested', 1, Type.Object({
  runId: Type.String(),
  processId: Type.Integer(),
  pipeline: Type.String(),
  pipelineVersion: Type.String(),
  displayName: Type.String(),
  /** The parameters the run uses, defaults filled in. */
  usedConfig: Type.Record(Type.String(), Type.Unknown()),
  inputs: Type.Array(Type.Integer()),
  inputDetails: Type.Array(RunInput),
  releaseName: Nullable(Type.String()),
  outputProductId: Type.Integer(),
  ownerId: Type.Integer(),
  /** The flag translation rules used (an auxiliary file of the output product), when the pipeline takes them. */
  flagsTranslation: Nullable(Type.Object({ name: Type.String(), sha256: Sha256, fileId: Type.Integer(), attached: Type.Boolean() })),
}));

export const PipelineRunStarted = defineEvent('PipelineRunStarted', 1, Type.Object({
  runId: Type.String(),
  worker: Type.String(),
  /** 1 for the first, more when a worker died and another took the run up. */
  attempt: Type.Integer({ minimum: 1 }),
}));

export const PipelineRunProgressed = defineEvent('PipelineRunProgressed', 1, Type.Object({
  runId: Type.String(),
  fraction: Type.Number({ minimum: 0, maximum: 1 }),
  message: Type.String(),
  stage: Type.String(),
  rowsRead: Type.Integer({ minimum: 0 }),
  pairsFound: Nullable(Type.Integer({ minimum: 0 })),
}));

export const PipelineRunSucceeded = defineEvent('PipelineRunSucceeded', 1, Type.Object({
  runId: Type.String(),
  generatedProductId: Type.Integer(),
  /** Repeated from the request, so that this event alone states used → activity → generated. */
  pipeline: Type.String(),
  pipelineVersion: Type.String(),
  inputs: Type.Array(Type.Integer()),
  /** The output main file. */
  output: Type.Object({ fileId: Type.Integer(), name: Type.String(), sha256: Sha256, rows: Type.Integer(), format: Type.String() }),
  /** What the pipeline reports (rows in/out, duplicates per rule, seconds per stage). */
  summary: Type.Record(Type.String(), Type.Unknown()),
}));

export const PipelineRunFailed = defineEvent('PipelineRunFailed', 1, Type.Object({
  runId: Type.String(),
  reason: Type.String(),
  code: Type.String(),
}));

export const PipelineRunStopped = defineEvent('PipelineRunStopped', 1, Type.Object({
  runId: Type.String(),
  stoppedBy: Type.Integer(),
}));

// ---- groups and release access (data rights) -------------------------------------------------

/** Where a membership comes from: an admin's decision, or the identity provider's group claim at login. */
export const MembershipSource = Type.Union([Type.Literal('admin'), Type.Literal('identity_provider')]);
export type MembershipSource = Static<typeof MembershipSource>;

/** A group of users (stream `group-<name>`); names are unique and never change. */
export const GroupCreated = defineEvent('GroupCreated', 1, Type.Object({
  name: Type.String(),
  description: Type.String(),
  /** Who created it: an admin, or the identity provider (a group first named by a login's claim). */
  source: MembershipSource,
}));

/** A user joins a group. One user may be a member through both sources; each is its own membership. */
export const GroupMemberAdded = defineEvent('GroupMemberAdded', 1, Type.Object({
  name: Type.String(),
  userId: Type.Integer(),
  source: MembershipSource,
}));

export const GroupMemberRemoved = defineEvent('GroupMemberRemoved', 1, Type.Object({
  name: Type.String(),
  userId: Type.Integer(),
  source: MembershipSource,
}));

/**
 * Who may see the products of a release (stream `release-<name>`): no groups, public; one or
 * more, only members of those groups (and each product's owner, and admins). Replaces the
 * release's earlier access entirely.
 */
export const ReleaseAccessSet = defineEvent('ReleaseAccessSet', 1, Type.Object({
  releaseName: Type.String(),
  groups: Type.Array(Type.String()),
}));

// ---- the catalogue as a whole ---------------------------------------------------------------

export const EVENT_CATALOGUE = [
  ProductTypeSeeded, ReleaseAdded,
  UserRegistered, UserPasswordChanged, UserAdminRoleChanged, ApiTokenIssued, ApiTokenRevoked,
  UserProfileChanged, IdentityLinked,
  ProductRegistered, ProductMetadataEdited, ProductDerivationDeclared, ProductFileAttached, ProductFileRemoved,
  ProductContentsRegistered, ProductRegistryFailed, ProductColumnAssociated, ProductPublished,
  ProductProcessingFailed, ProductDeleted, ProductMarkedOfficial, ProductOfficialCleared,
  ProductShared, ProductShareRevoked,
  PipelineRunRequested, PipelineRunStarted, PipelineRunProgressed, PipelineRunSucceeded, PipelineRunFailed,
  PipelineRunStopped,
  ProductReleaseYearSet,
  GroupCreated, GroupMemberAdded, GroupMemberRemoved, ReleaseAccessSet,
] as const;

type Catalogue = (typeof EVENT_CATALOGUE)[number];
export type PzEventType = Catalogue['type'];

/** A domain event: its type name and its data, typed together. */
export type PzEvent = {
  [E in Catalogue as E['type']]: { type: E['type']; data: Static<E['data']> };
}[PzEventType];

export type EventOfType<T extends PzEventType> = Extract<PzEvent, { type: T }>;
export type EventData<T extends PzEventType> = EventOfType<T>['data'];

export const CURRENT_SCHEMA_VERSION: Record<PzEventType, number> = Object.fromEntries(
  EVENT_CATALOGUE.map((e) => [e.type, e.schemaVersion]),
) as Record<PzEventType, number>;

export const isPzEventType = (type: string): type is PzEventType => type in CURRENT_SCHEMA_VERSION;

/** Stream categories (`<category>-<id>`); a category never contains `-`. */
export const StreamCategory = {
  product: 'product',
  user: 'user',
  release: 'release',
  productType: 'producttype',
  run: 'run',
  group: 'group',
  /** An identity at an OpenID Connect provider: `identity-<sha256 of issuer and subject>`. */
  identity: 'identity',
} as const;

export const streamName = (category: (typeof StreamCategory)[keyof typeof StreamCategory], id: string | number) =>
  `${category}-${id}`;
