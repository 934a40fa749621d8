import { sql, type Kysely } from 'kysely';
import { migrate, type Database } from '@pz/database';
import type { TableErrorCode } from '@pz/tables';

/**
 * Decode failures of a main file's rows, kept by the file's sha256 in PostgreSQL so that every
 * process sees them: a Parquet or HDF5 file whose later pages make its decoder run out of time
 * or memory costs that once, and later `read_data` requests are answered from the record.
 * Not events: a fact about bytes under this server's limits, not about a product, and safe to
 * lose (the next read finds it again).
 */
export async function migrateReadFailures(database: Database): Promise<void> {
  await migrate(database, 'read_failures', {
    '0001_table_read_failures': {
      async up(db: Kysely<object>) {
        await sql`CREATE TABLE table_read_failures (sha256 char(64) PRIMARY KEY, code text NOT NULL, message text NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())`.execute(db);
      },
    },
  });
}

export interface ReadFailure {
  readonly code: TableErrorCode;
  readonly message: string;
}

/** Failures that come from the bytes and would repeat on every read: recorded. Load and storage faults: never. */
const RECORDED: readonly TableErrorCode[] = ['TABLE_UNREADABLE', 'TABLE_LIMIT_EXCEEDED', 'TABLE_EXTERNAL_REFERENCE', 'TABLE_TRUNCATED'];

/** Formats whose rows are decoded in workers: their failures are the expensive ones. */
const DECODED_FORMATS = new Set(['parquet', 'hdf5']);

export const isRecordedFailure = (format: string, code: TableErrorCode): boolean => DECODED_FORMATS.has(format) && RECORDED.includes(code);

export async function findReadFailure<DB>(db: Kysely<DB>, sha256: string): Promise<ReadFailure | null> {
  const rows = await sql<ReadFailure>`SELECT code, message FROM table_read_failures WHERE sha256 = ${sha256}`.execute(db);
  return rows.rows[0] ?? null;
}

export async function recordReadFailure<DB>(db: Kysely<DB>, sha256: string, failure: ReadFailure): Promise<void> {
  await sql`INSERT INTO table_read_failures (sha256, code, message) VALUES (${sha256}, ${failure.code}, ${failure.message}) ON CONFLICT (sha256) DO NOTHING`.execute(db);
}
