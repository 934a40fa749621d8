import { sql, type Kysely } from 'kysely';
import { migrate, type Database } from '@pz/database';

export type IdKind = 'product' | 'file' | 'column' | 'user' | 'release' | 'process';
const KINDS: readonly IdKind[] = ['product', 'file', 'column', 'user', 'release', 'process'];

/**
 * Integer ids (the pzserver client expects them) come from PostgreSQL sequences, chosen when a
 * command is decided and recorded in its events, so projections stay deterministic. Sequences
 * live outside the read models: a rebuild must never hand out an id twice.
 */
export type IdAllocator = (kind: IdKind, count?: number, idempotencyKey?: string) => Promise<number[]>;

/**
 * With an idempotency key (a client's retried command), the same ids come back, so the retry
 * decides on the same streams and appends nothing new.
 */
export async function createIdAllocator(database: Database): Promise<IdAllocator> {
  await migrate(database, 'ids', {
    '0001_sequences': {
      async up(db: Kysely<object>) {
        for (const kind of KINDS) await sql`CREATE SEQUENCE ${sql.raw(`${kind}_ids`)}`.execute(db);
      },
    },
    '0002_keyed_allocations': {
      async up(db: Kysely<object>) {
        await sql`CREATE TABLE id_allocations (key text NOT NULL, kind text NOT NULL, ids jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (key, kind))`.execute(db);
      },
    },
  });
  const fresh = async (kind: IdKind, count: number) => {
    const rows = await sql<{ id: string }>`SELECT nextval(${`${kind}_ids`})::text AS id FROM generate_series(1, ${count})`.execute(database.kysely);
    return rows.rows.map((r) => Number(r.id));
  };
  return async (kind, count = 1, idempotencyKey) => {
    if (count <= 0) return [];
    if (!idempotencyKey) return fresh(kind, count);
    const ids = await fresh(kind, count);
    await sql`INSERT INTO id_allocations (key, kind, ids) VALUES (${idempotencyKey}, ${kind}, ${JSON.stringify(ids)}::jsonb) ON CONFLICT DO NOTHING`.execute(database.kysely);
    const kept = await sql<{ ids: number[] }>`SELECT ids FROM id_allocations WHERE key = ${idempotencyKey} AND kind = ${kind}`.execute(database.kysely);
    return kept.rows[0]?.ids ?? ids;
  };
}
