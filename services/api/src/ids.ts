import { sql, type Kysely } from 'kysely';
import { migrate, type Database } from '@pz/database';

export type IdKind = 'product' | 'file' | 'column' | 'user' | 'release' | 'process';
const KINDS: readonly IdKind[] = ['product', 'file', 'column', 'user', 'release', 'process'];

/**
 * Integer ids (the pzserver client expects them) come from PostgreSQL sequences, chosen when a
 * command is decided and recorded in its events, so projections stay deterministic. Sequences
 * live outside the read models: a rebuild must never hand out an id twice.
 */
export async function createIdAllocator(database: Database): Promise<(kind: IdKind, count?: number) => Promise<number[]>> {
  await migrate(database, 'ids', {
    '0001_sequences': {
      async up(db: Kysely<object>) {
        for (const kind of KINDS) await sql`CREATE SEQUENCE ${sql.raw(`${kind}_ids`)}`.execute(db);
      },
    },
  });
  return async (kind, count = 1) => {
    if (count <= 0) return [];
    const rows = await sql<{ id: string }>`SELECT nextval(${`${kind}_ids`})::text AS id FROM generate_series(1, ${count})`.execute(database.kysely);
    return rows.rows.map((r) => Number(r.id));
  };
}
