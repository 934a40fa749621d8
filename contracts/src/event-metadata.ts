import { Type, type Static } from 'typebox';

/** Who caused an event. `system` is the service itself (seeding, pipelines' bookkeeping). */
export const Actor = Type.Object({
  kind: Type.Union([Type.Literal('user'), Type.Literal('system'), Type.Literal('share')]),
  userId: Type.Union([Type.Integer(), Type.Null()]),
  username: Type.Union([Type.String(), Type.Null()]),
});
export type Actor = Static<typeof Actor>;

/** Through what the command arrived. */
export const Client = Type.Object({
  kind: Type.Union([
    Type.Literal('web'),
    Type.Literal('token'),
    Type.Literal('cli'),
    Type.Literal('system'),
    Type.Literal('pipeline'),
  ]),
  tokenId: Type.Optional(Type.String()),
  userAgent: Type.Optional(Type.String()),
});
export type Client = Static<typeof Client>;

/**
 * Metadata the caller supplies with every event. The event store adds `previousEventHash`
 * (the sha256 of the previous event of the same stream) when it appends.
 */
export const EventMetadataInput = Type.Object({
  actor: Actor,
  client: Client,
  correlationId: Type.String(),
  causationId: Type.String(),
  /** ISO-8601 UTC instant chosen by the command handler, part of the hashed content. */
  recordedAt: Type.String(),
  /**
   * Set when the client sent an `Idempotency-Key`: the sha256 of the request (method, URL,
   * body) that used it. The same key on a different request is refused (422) rather than
   * taken for a retry of this one.
   */
  requestFingerprint: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
});
export type EventMetadataInput = Static<typeof EventMetadataInput>;

export const EventMetadata = Type.Intersect([
  EventMetadataInput,
  Type.Object({
    schemaVersion: Type.Integer({ minimum: 1 }),
    previousEventHash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  }),
]);
export type EventMetadata = Static<typeof EventMetadata>;

/** The `previousEventHash` of the first event of every stream. */
export const GENESIS_HASH = '0'.repeat(64);
