import { sql, type ColumnType, type Generated } from 'kysely';
import type { Migration } from '@pz/database';

/** int8/xid8 columns travel as decimal strings (pg returns them so; PGlite accepts them). */
type Int8 = ColumnType<string, string, never>;

export type EventsTable = {
  global_position: Generated<string>;
  transaction_id: Generated<string>;
  event_id: string;
  stream_name: string;
  stream_revision: Int8;
  event_type: string;
  schema_version: number;
  data: ColumnType<unknown, unknown, never>;
  metadata: ColumnType<unknown, unknown, never>;
  hash: string;
  created_at: Generated<Date>;
};

export type LedgerTables = {
  events: EventsTable;
};

export const ledgerMigrations: Record<string, Migration> = {
  '0001_events': {
    async up(db) {
      // transaction_id orders commits: readers only take rows below the oldest transaction still
      // running (pg_snapshot_xmin), so a late commit with a lower global_position is never skipped.
      await sql`
        CREATE TABLE events (
          global_position bigserial PRIMARY KEY,
          transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
          event_id uuid NOT NULL UNIQUE,
          stream_name text NOT NULL,
          stream_revision bigint NOT NULL CHECK (stream_revision >= 0),
          event_type text NOT NULL,
          schema_version integer NOT NULL,
          data jsonb NOT NULL,
          metadata jsonb NOT NULL,
          hash char(64) NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          UNIQUE (stream_name, stream_revision)
        )`.execute(db);
      await sql`CREATE INDEX events_log_order ON events (transaction_id, global_position)`.execute(db);
      await sql`CREATE INDEX events_type_order ON events (event_type, transaction_id, global_position)`.execute(db);
    },
  },
};
