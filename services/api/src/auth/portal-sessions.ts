import { sql, type ColumnType } from 'kysely';
import { migrate, type Database } from '@pz/database';
import type { CatalogueTables } from '@pz/projections';
import { readWithKeyring, signWithKeyring, type Keyring } from './keyring';
import { newSecretKey, sha256Hex } from './secrets';

/** How long a portal sign-in lasts. */
export const SESSION_HOURS = 12;

type SessionTables = {
  portal_sessions: {
    sid_hash: string;
    user_id: number;
    expires_at: ColumnType<Date, string, never>;
  };
};

export interface SessionUser {
  readonly id: number;
  readonly username: string;
  readonly is_admin: boolean;
}

/**
 * Portal sign-ins, kept on the server so that signing out ends them: the cookie is a signed
 * `{uid, sid, exp}`, and a session counts only while a row holds the sha256 of its `sid` (the
 * key itself is never stored, like API tokens). A stolen cookie therefore dies with the logout,
 * not 12 hours later. Not events: a sign-in changes no product and is kept only while it lasts.
 */
export interface PortalSessions {
  /** Starts a session for the user: the cookie value to set. */
  start(userId: number): Promise<string>;
  /** The user of a well-signed cookie whose session is still open; null for anything else. */
  userOf(cookie: string): Promise<SessionUser | null>;
  /** Ends the session the cookie names; a forged, expired or unknown cookie ends nothing. */
  end(cookie: string): Promise<void>;
}

export async function openPortalSessions(database: Database, keyring: Keyring): Promise<PortalSessions> {
  await migrate(database, 'sessions', {
    '0001_portal_sessions': {
      async up(db) {
        await sql`CREATE TABLE portal_sessions (
          sid_hash char(64) PRIMARY KEY, user_id integer NOT NULL, expires_at timestamptz NOT NULL)`.execute(db);
        await sql`CREATE INDEX portal_sessions_expiry ON portal_sessions (expires_at)`.execute(db);
      },
    },
  });
  const db = database.kysely.withTables<SessionTables & Pick<CatalogueTables, 'users'>>();

  const sessionOf = (cookie: string): { uid: number; sidHash: string } | null => {
    // Sessions signed by an older key of a planned rotation stay open (keyring.ts).
    const payload = readWithKeyring(keyring, cookie, { acceptOlder: true });
    if (!payload || typeof payload.uid !== 'number' || typeof payload.sid !== 'string') return null;
    return { uid: payload.uid, sidHash: sha256Hex(payload.sid) };
  };

  return {
    async start(userId) {
      const sid = newSecretKey();
      const expires = Date.now() + SESSION_HOURS * 3600_000;
      // Ended-by-time sessions go as new ones start: the table holds only open sessions.
      await db.deleteFrom('portal_sessions').where('expires_at', '<', sql<Date>`now()`).execute();
      await db.insertInto('portal_sessions').values({ sid_hash: sha256Hex(sid), user_id: userId, expires_at: new Date(expires).toISOString() }).execute();
      return signWithKeyring(keyring, { uid: userId, sid, exp: expires });
    },
    async userOf(cookie) {
      const session = sessionOf(cookie);
      if (!session) return null;
      const user = await db
        .selectFrom('portal_sessions')
        .innerJoin('users', 'users.id', 'portal_sessions.user_id')
        .select(['users.id', 'users.username', 'users.is_admin'])
        .where('portal_sessions.sid_hash', '=', session.sidHash)
        .where('portal_sessions.user_id', '=', session.uid)
        .where('portal_sessions.expires_at', '>', sql<Date>`now()`)
        .executeTakeFirst();
      return user ?? null;
    },
    async end(cookie) {
      const session = sessionOf(cookie);
      if (session) await db.deleteFrom('portal_sessions').where('sid_hash', '=', session.sidHash).execute();
    },
  };
}
