import { sql, type Kysely } from 'kysely';
import { START, type LogPosition } from '@pz/contracts';
import { toBigInt, type Migration } from '@pz/database';

export type CheckpointTables = {
  projection_checkpoints: {
    name: string;
    commit_position: string;
    prepare_position: string;
    version: number;
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
