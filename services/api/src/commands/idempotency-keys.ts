import { sql, type Kysely } from 'kysely';
import { migrate, type Database } from '@pz/database';

/** Whether a request may use an Idempotency-Key: first use, the same request again, or a different request (refused). */
export type KeyClaim = 'first' | 'same-request' | 'other-request';

/** Records each Idempotency-Key with the fingerprint of the first request that used it. */
export interface IdempotencyKeys {
  claim(key: string, fingerprint: string): Promise<KeyClaim>;
  /** Forgets a first claim whose command was refused (nothing recorded): the client may send the corrected request with the same key. */
  release(key: string, fingerprint: string): Promise<void>;
}

/**
 * Idempotency-Keys in PostgreSQL, shared by every process. A key names ONE request (the IETF
 * Idempotency-Key draft): its first use records the request's fingerprint (method, URL, body);
 * the same request again is a retry; any other request with the key is refused, even on another
 * product, where the events' own fingerprints (command-bus.ts) could not see it.
 */
export async function createIdempotencyKeys(database: Database): Promise<IdempotencyKeys> {
  await migrate(database, 'idempotency_keys', {
    '0001_keys': {
      async up(db: Kysely<object>) {
        await sql`CREATE TABLE idempotency_keys (key text PRIMARY KEY, fingerprint text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`.execute(db);
      },
    },
  });
  return {
    async claim(key, fingerprint) {
      const inserted = await sql`INSERT INTO idempotency_keys (key, fingerprint) VALUES (${key}, ${fingerprint}) ON CONFLICT DO NOTHING`.execute(database.kysely);
      if (Number(inserted.numAffectedRows ?? 0n) === 1) return 'first';
      const kept = await sql<{ fingerprint: string }>`SELECT fingerprint FROM idempotency_keys WHERE key = ${key}`.execute(database.kysely);
      return kept.rows[0]?.fingerprint === fingerprint ? 'same-request' : 'other-request';
    },
    async release(key, fingerprint) {
      await sql`DELETE FROM idempotency_keys WHERE key = ${key} AND fingerprint = ${fingerprint}`.execute(database.kysely);
    },
  };
}
