import { sql } from 'kysely';
import type { Migration } from '@pz/database';

export const provenanceMigrations: Record<string, Migration> = {
  '0001_provenance': {
    async up(db) {
      await sql`CREATE TABLE provenance_edges (
        product_id integer NOT NULL, parent_id integer NOT NULL, source text NOT NULL, run_id text,
        PRIMARY KEY (product_id, parent_id, source))`.execute(db);
      // Ancestors walk product_id → parent_id (the primary key); descendants walk the other way.
      await sql`CREATE INDEX provenance_edges_parent ON provenance_edges (parent_id, product_id)`.execute(db);
      await sql`CREATE TABLE provenance_runs (
        run_id text PRIMARY KEY, pipeline text NOT NULL, pipeline_version text NOT NULL, display_name text NOT NULL,
        inputs jsonb NOT NULL, output_product_id integer, status text NOT NULL, requested_at timestamptz NOT NULL,
        started_at timestamptz, ended_at timestamptz, user_id integer, username text)`.execute(db);
      await sql`CREATE INDEX provenance_runs_output ON provenance_runs (output_product_id)`.execute(db);
    },
  },
  '0002_provenance_closure': {
    async up(db) {
      // Filled by the projection: its version went up with this table, so it is rebuilt from the log.
      await sql`CREATE TABLE provenance_closure (
        ancestor_id integer NOT NULL, descendant_id integer NOT NULL, depth integer NOT NULL,
        PRIMARY KEY (ancestor_id, descendant_id) INCLUDE (depth))`.execute(db);
      // Descendants read the primary key's range of one ancestor; ancestors this index's range of one descendant.
      await sql`CREATE INDEX provenance_closure_descendant ON provenance_closure (descendant_id, ancestor_id) INCLUDE (depth)`.execute(db);
    },
  },
};
