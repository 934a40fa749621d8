import { sql, type Kysely } from 'kysely';
import type { CatalogueTables } from '@pz/projections';

/**
 * The registered username equal to `username` but for case ("Alice" for "alice"), or null: the
 * user decider refuses look-alikes with it. Read from the shared catalogue, so every process
 * sees every projected user.
 */
export async function usernameTwin(db: Kysely<CatalogueTables>, username: string): Promise<string | null> {
  const row = await db.selectFrom('users').select('username').where(sql<string>`lower(username)`, '=', username.toLowerCase()).executeTakeFirst();
  return row?.username ?? null;
}
