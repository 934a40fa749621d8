import { sql, type Generated, type Kysely } from 'kysely';
import { START, type LogPosition } from '@pz/contracts';
import { toBigInt, type Migration } from '@pz/database';

export type CheckpointTables = {
  projection_checkpoints: {
    name: string;
    commit_position: string;
    prepare_position: string;
    version: number;
    updated_at: Generated<Date>;
  };
};

export const checkpointMigrations: Record<string, Migration> = {
  '0001_checkpoints': {
    async up(db) {
      await sql`
        CREATE TABLE projection_checkpoints (
          name text PRIMARY KEY,
          commit_position numeric(20) NOT NULL,
          prepare_position numeric(20) NOT NULL,
          version integer NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now()
        )`.execute(db);
    },
  },
};

export interface Checkpoint {
  readonly position: LogPosition;
  readonly version: number;
}

export async function readCheckpoint(db: Kysely<object>, name: string): Promise<Checkpoint | null> {
  const row = await db
    .withTables<CheckpointTables>()
    .selectFrom('projection_checkpoints')
    .select([sql<string>`commit_position::text`.as('c'), sql<string>`prepare_position::text`.as('p'), 'version'])
    .where('name', '=', name)
    .executeTakeFirst();
  return row ? { position: { commit: toBigInt(row.c), prepare: toBigInt(row.p) }, version: row.version } : null;
}

/** Written in the same transaction as the rows the events produced: the exactly-once point. */
export async function writeCheckpoint(db: Kysely<object>, name: string, position: LogPosition, version: number): Promise<void> {
  await db
    .withTables<CheckpointTables>()
    .insertInto('projection_checkpoints')
    .values({ name, commit_position: position.commit.toString(), prepare_position: position.prepare.toString(), version })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet({
        commit_position: position.commit.toString(),
        prepare_position: position.prepare.toString(),
        version,
      }),
    )
    .execute();
}

export const initialCheckpoint = (version: number): Checkpoint => ({ position: START, version });

/** Creates the checkpoint row at the start of the log unless it exists (fencing compares against a row). */
export async function ensureCheckpoint(db: Kysely<object>, name: string, version: number): Promise<void> {
  await db
    .withTables<CheckpointTables>()
    .insertInto('projection_checkpoints')
    .values({ name, commit_position: '0', prepare_position: '0', version })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}

/**
 * Moves a checkpoint from `from` to `to` only if it still is at `from` (compare-and-set), and
 * says whether it did. The fencing of the projector: run first in a page's transaction, it locks
 * the row, so two projectors' transactions on one read model run one after the other, and one
 * that finds the checkpoint moved by another (a former leader woken from a pause, or the new one
 * after it) writes nothing.
 */
export async function advanceCheckpoint(db: Kysely<object>, name: string, from: LogPosition, to: LogPosition): Promise<boolean> {
  const result = await db
    .withTables<CheckpointTables>()
    .updateTable('projection_checkpoints')
    .set({ commit_position: to.commit.toString(), prepare_position: to.prepare.toString(), updated_at: sql<Date>`now()` })
    .where('name', '=', name)
    .where('commit_position', '=', from.commit.toString())
    .where('prepare_position', '=', from.prepare.toString())
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Every checkpoint named in `names`, as stored now (followers read them; the leader writes them). */
export async function readCheckpoints(db: Kysely<object>, names: readonly string[]): Promise<Map<string, Checkpoint>> {
  if (names.length === 0) return new Map();
  const rows = await db
    .withTables<CheckpointTables>()
    .selectFrom('projection_checkpoints')
    .select(['name', sql<string>`commit_position::text`.as('c'), sql<string>`prepare_position::text`.as('p'), 'version'])
    .where('name', 'in', [...names])
    .execute();
  return new Map(rows.map((r) => [r.name, { position: { commit: toBigInt(r.c), prepare: toBigInt(r.p) }, version: r.version }]));
}
