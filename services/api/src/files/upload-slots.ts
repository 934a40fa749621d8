import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { migrate, type Database } from '@pz/database';
import type { Problem } from '../http/problem';

/** One upload's place; `release` gives it back, and calling it again does nothing, so every way an upload ends may call it. */
export interface UploadSlot {
  readonly release: () => Promise<void>;
}

/**
 * How many uploads each user has in progress, counted in the database so that every server
 * process of a cluster counts the same uploads. An upload holds a slot from the moment its
 * request is accepted until it ends, however it ends (stored, refused, failed, abandoned by the
 * client), so one user cannot tie up the servers' disks and connections with many slow uploads.
 */
export interface UploadSlots {
  /** A slot for this user, or the problem to answer when they already hold all of theirs. */
  acquire(userId: number): Promise<UploadSlot | Problem>;
  close(): void;
}

export interface UploadSlotOptions {
  /**
   * How long a slot lasts unless the process holding it renews it (every third of it while the
   * upload runs): a process killed mid-upload frees its users' slots after this long.
   */
  readonly leaseMs?: number;
}

export async function openUploadSlots(database: Database, limit: number, options: UploadSlotOptions = {}): Promise<UploadSlots> {
  await migrate(database, 'upload_slots', {
    '0001_upload_slots': {
      async up(db: Kysely<object>) {
        await sql`CREATE TABLE upload_slots (slot_id uuid PRIMARY KEY, user_id integer NOT NULL, expires_at timestamptz NOT NULL)`.execute(db);
        await sql`CREATE INDEX upload_slots_user ON upload_slots (user_id)`.execute(db);
      },
    },
  });
  const leaseMs = options.leaseMs ?? 15_000;
  const held = new Set<string>();
  const renew = setInterval(() => {
    if (held.size === 0) return;
    void sql`UPDATE upload_slots SET expires_at = now() + ${leaseMs} * interval '1 millisecond' WHERE slot_id = ANY(${[...held]}::uuid[])`
      .execute(database.kysely)
      .catch(() => {});
  }, Math.max(1, Math.floor(leaseMs / 3)));
  renew.unref();

  return {
    async acquire(userId) {
      const slotId = randomUUID();
      const count = await database.kysely.transaction().execute(async (trx) => {
        // One user's acquisitions take turns (across processes): counting and taking are one step.
        await sql`SELECT pg_advisory_xact_lock(hashtext('pz-upload-slots'), ${userId}::integer)`.execute(trx);
        await sql`DELETE FROM upload_slots WHERE user_id = ${userId} AND expires_at <= now()`.execute(trx);
        const inUse = Number((await sql<{ n: string }>`SELECT count(*)::text AS n FROM upload_slots WHERE user_id = ${userId}`.execute(trx)).rows[0]?.n ?? 0);
        if (inUse < limit) await sql`INSERT INTO upload_slots VALUES (${slotId}, ${userId}, now() + ${leaseMs} * interval '1 millisecond')`.execute(trx);
        return inUse;
      });
      if (count >= limit) {
        return {
          code: 'TOO_MANY_UPLOADS',
          message: `you already have ${count} uploads in progress; at most ${limit} may run at once per user (MAX_CONCURRENT_UPLOADS_PER_USER); nothing was stored, retry when one has finished`,
        };
      }
      held.add(slotId);
      let released: Promise<void> | null = null;
      return {
        release: () => {
          released ??= (async () => {
            held.delete(slotId);
            await sql`DELETE FROM upload_slots WHERE slot_id = ${slotId}`.execute(database.kysely).catch(() => {});
          })();
          return released;
        },
      };
    },
    close() {
      clearInterval(renew);
    },
  };
}
