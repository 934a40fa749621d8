import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sql, type ColumnType, type Generated, type Kysely } from 'kysely';
import { replaceFileAtomically } from '@pz/config/key-files';
import { comparePositions } from '@pz/contracts';
import { migrate, toBigInt, type Database, type Migration } from '@pz/database';
import { checkpointFromJson, checkpointJson, type SignedCheckpoint, type StreamHead } from './signed-checkpoint';

export const CHECKPOINT_FILE = 'ledger-checkpoint.json';

type Numeric = ColumnType<string, string, never>;

export type CheckpointTables = {
  ledger_checkpoints: {
    id: Generated<string>;
    commit_position: Numeric;
    prepare_position: Numeric;
    stream_count: Numeric;
    root: string;
    signed_at: string;
    key_id: string;
    signature: string;
    heads: Buffer | null;
    created_at: Generated<Date>;
  };
};

const migrations: Record<string, Migration> = {
  '0001_ledger_checkpoints': {
    async up(db) {
      // Beside the events table, never in it: a checkpoint is what the events are checked against.
      // `signed_at` keeps the exact text that was signed. `heads` (gzip of the leaves, one
      // `<stream> <revision> <hash>` line each) is kept on the latest checkpoint only: it names
      // the streams that no longer match, and seeds the server's checkpointer at start.
      await sql`
        CREATE TABLE ledger_checkpoints (
          id bigserial PRIMARY KEY,
          commit_position numeric(20, 0) NOT NULL,
          prepare_position numeric(20, 0) NOT NULL,
          stream_count bigint NOT NULL,
          root char(64) NOT NULL,
          signed_at text NOT NULL,
          key_id char(64) NOT NULL,
          signature text NOT NULL,
          heads bytea,
          created_at timestamptz NOT NULL DEFAULT now()
        )`.execute(db);
      await sql`CREATE INDEX ledger_checkpoints_latest ON ledger_checkpoints (commit_position DESC, prepare_position DESC, id DESC)`.execute(db);
    },
  },
};

export interface CheckpointWithHeads {
  readonly checkpoint: SignedCheckpoint;
  /** The leaves, when kept (the latest checkpoint of the table). */
  readonly heads: readonly StreamHead[] | null;
}

/** Where signed checkpoints are kept: the `ledger_checkpoints` table, and the latest also as a file in the data folder. */
export interface CheckpointStore {
  save(checkpoint: SignedCheckpoint, heads: readonly StreamHead[]): Promise<void>;
  /** The table's checkpoint at the highest position. */
  latest(): Promise<CheckpointWithHeads | null>;
  /** `<dataDir>/ledger-checkpoint.json`, which a rollback of the database alone does not reach. */
  latestFile(): SignedCheckpoint | null;
}

export async function openCheckpointStore(database: Database, dataDir: string): Promise<CheckpointStore> {
  await migrate(database, 'ledger_checkpoints', migrations);
  const db = database.kysely.withTables<CheckpointTables>();
  const file = path.join(dataDir, CHECKPOINT_FILE);
  const readFile = (): SignedCheckpoint | null => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      return checkpointFromJson(JSON.parse(text));
    } catch (error) {
      throw new Error(`${file} does not hold a checkpoint: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  };
  return {
    async save(checkpoint, heads) {
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('ledger_checkpoints').set({ heads: null }).where('heads', 'is not', null).execute();
        await trx
          .insertInto('ledger_checkpoints')
          .values({
            commit_position: checkpoint.position.commit.toString(),
            prepare_position: checkpoint.position.prepare.toString(),
            stream_count: String(checkpoint.streams),
            root: checkpoint.root,
            signed_at: checkpoint.time,
            key_id: checkpoint.keyId,
            signature: checkpoint.signature,
            heads: encodeHeads(heads),
          })
          .execute();
      });
      const current = readFile();
      if (!current || comparePositions(checkpoint.position, current.position) >= 0) replaceFileAtomically(file, `${JSON.stringify(checkpointJson(checkpoint), null, 2)}\n`);
    },
    async latest() {
      const row = await latestRow(db);
      if (!row) return null;
      return {
        checkpoint: {
          position: { commit: toBigInt(row.commit_position), prepare: toBigInt(row.prepare_position) },
          streams: Number(row.stream_count),
          root: row.root,
          time: row.signed_at,
          keyId: row.key_id,
          signature: row.signature,
        },
        heads: row.heads ? decodeHeads(row.heads) : null,
      };
    },
    latestFile: readFile,
  };
}

function latestRow(db: Kysely<CheckpointTables>) {
  return db
    .selectFrom('ledger_checkpoints')
    .select([
      sql<string>`commit_position::text`.as('commit_position'),
      sql<string>`prepare_position::text`.as('prepare_position'),
      sql<string>`stream_count::text`.as('stream_count'),
      'root',
      'signed_at',
      'key_id',
      'signature',
      'heads',
    ])
    .orderBy('ledger_checkpoints.commit_position', 'desc')
    .orderBy('ledger_checkpoints.prepare_position', 'desc')
    .orderBy('ledger_checkpoints.id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

const encodeHeads = (heads: readonly StreamHead[]): Buffer => gzipSync(heads.map((h) => `${h.streamName} ${h.revision} ${h.hash}\n`).join(''));

function decodeHeads(bytes: Uint8Array): StreamHead[] | null {
  try {
    const heads: StreamHead[] = [];
    for (const line of gunzipSync(bytes).toString('utf8').split('\n')) {
      if (line === '') continue;
      const [streamName, revision, hash] = line.split(' ');
      if (!streamName || !revision || !/^\d+$/.test(revision) || !hash) return null;
      heads.push({ streamName, revision: BigInt(revision), hash });
    }
    return heads;
  } catch {
    return null;
  }
}
