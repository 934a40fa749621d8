import { sql, type Kysely } from 'kysely';
import { migrate, type Database } from '@pz/database';
import type { CatalogueTables } from '@pz/projections';

/** The table that makes a username's case-folded form taken at once, in every process. */
export async function migrateUsernameClaims(database: Database): Promise<void> {
  await migrate(database, 'username_claims', {
    '0001_username_claims': {
      async up(db: Kysely<object>) {
        await sql`CREATE TABLE username_claims (folded text PRIMARY KEY, username text NOT NULL, claimed_at timestamptz NOT NULL DEFAULT now())`.execute(db);
      },
    },
  });
}

/**
 * The username equal to `username` but for case ("Alice" for "alice") already taken, or null:
 * the user decider refuses look-alikes with it. Registered users are read from the shared
 * catalogue; a name about to be registered is claimed in `username_claims` first (one row per
 * case-folded name, written atomically), so two look-alikes registered at the same moment,
 * through two processes, before either reaches the catalogue, cannot both pass.
 */
export async function usernameTwin(db: Kysely<CatalogueTables>, username: string): Promise<string | null> {
  const folded = username.toLowerCase();
  const row = await db.selectFrom('users').select('username').where(sql<string>`lower(username)`, '=', folded).executeTakeFirst();
  if (row) return row.username;
  await sql`INSERT INTO username_claims (folded, username) VALUES (${folded}, ${username}) ON CONFLICT DO NOTHING`.execute(db);
  const claim = await sql<{ username: string }>`SELECT username FROM username_claims WHERE folded = ${folded}`.execute(db);
  const claimed = claim.rows[0]?.username ?? username;
  return claimed === username ? null : claimed;
}
