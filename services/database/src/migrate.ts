import { sql, type Kysely } from 'kysely';
import type { Database } from './open-database';

/** One step of a schema's history: applied once, in name order, never edited once released. */
export interface Migration {
  up(db: Kysely<object>): Promise<void>;
}

/**
 * Runs one owner's migrations (the ledger, a projection...) with a ledger table of its own, so
 * each part of the system owns and evolves its tables independently. Kysely's Migrator is not
 * used: it looks for its table through the catalogue of every schema, which misfires when
 * several databases share a server (the tests) and races with schemas being dropped.
 * All steps run in one transaction under an advisory lock, so concurrent starts apply each once.
 */
export async function migrate(database: Database, owner: string, migrations: Record<string, Migration>): Promise<void> {
  const table = sql.table(`${owner}_migrations`);
  await database.kysely.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`${database.schema}.${owner}`}))`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS ${table} (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`.execute(trx);
    const applied = new Set((await sql<{ name: string }>`SELECT name FROM ${table}`.execute(trx)).rows.map((r) => r.name));
    for (const name of Object.keys(migrations).sort()) {
      if (applied.has(name)) continue;
      try {
        await (migrations[name] as Migration).up(trx);
      } catch (error) {
        throw new Error(`migration ${owner}/${name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      await sql`INSERT INTO ${table} (name) VALUES (${name})`.execute(trx);
    }
  });
}
