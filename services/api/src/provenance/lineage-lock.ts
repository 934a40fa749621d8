import { sql } from 'kysely';
import type { Database } from '@pz/database';

/** Runs `work` while no other holder runs, in this process or in any other on the same database. */
export type LineageLock = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * The lock a derivation declaration holds from its cycle check until its event is recorded and
 * projected, so that two declarations (A from B, B from A) cannot both pass a check made before
 * either was recorded. In this process a queue; on a real server also a transaction-level
 * advisory lock (its two-key form, apart from the leases' and the migrations' keys), held by
 * a transaction on a pooled connection and released when it ends, even if the process dies.
 * PGlite is opened by one process only, so the queue is enough there (and a transaction would
 * hold its only connection).
 */
export function createLineageLock(database: Database): LineageLock {
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    if (database.kind !== 'postgres') return work();
    return database.kysely.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext('pz-lineage'), hashtext(${database.schema}))`.execute(trx);
      return work();
    });
  };
  return <T>(work: () => Promise<T>): Promise<T> => {
    const turn = tail.then(() => exclusive(work));
    tail = turn.catch(() => undefined);
    return turn;
  };
}
