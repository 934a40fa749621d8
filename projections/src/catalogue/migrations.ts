import { sql, type Kysely } from 'kysely';
import type { Migration } from '@pz/database';
import { renderDescription } from './description-html';

export const catalogueMigrations: Record<string, Migration> = {
  '0001_catalogue': {
    async up(db) {
      await sql`CREATE TABLE product_types (
        id integer PRIMARY KEY, name text NOT NULL UNIQUE, display_name text NOT NULL, "order" integer NOT NULL,
        description text NOT NULL, created_at timestamptz NOT NULL)`.execute(db);
      await sql`CREATE TABLE releases (
        id integer PRIMARY KEY, name text NOT NULL UNIQUE, display_name text NOT NULL, description text NOT NULL,
        created_at timestamptz NOT NULL, indexing_column text NOT NULL, has_mag_hats boolean NOT NULL,
        has_flux_hats boolean NOT NULL, dereddening text, fluxes jsonb NOT NULL, is_public boolean NOT NULL)`.execute(db);
      await sql`CREATE TABLE users (
        id integer PRIMARY KEY, username text NOT NULL UNIQUE, first_name text NOT NULL, last_name text NOT NULL,
        email text NOT NULL, password_hash text NOT NULL, is_admin boolean NOT NULL, created_at timestamptz NOT NULL)`.execute(db);
      await sql`CREATE TABLE api_tokens (
        token_id text PRIMARY KEY, user_id integer NOT NULL, token_hash char(64) NOT NULL UNIQUE,
        active boolean NOT NULL, created_at timestamptz NOT NULL)`.execute(db);
      await sql`CREATE TABLE products (
        id integer PRIMARY KEY, internal_name text NOT NULL UNIQUE, display_name text NOT NULL,
        product_type_name text NOT NULL, release_name text, official_product boolean NOT NULL, pz_code text,
        description text, owner_id integer NOT NULL, owner_username text NOT NULL, owner_name text NOT NULL,
        origin text NOT NULL, process_id text, status smallint NOT NULL, created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL, search_text text NOT NULL, derived_from jsonb NOT NULL,
        last_revision bigint NOT NULL)`.execute(db);
      await sql`CREATE INDEX products_status_created ON products (status, created_at DESC, id DESC)`.execute(db);
      await sql`CREATE INDEX products_type ON products (product_type_name, status)`.execute(db);
      await sql`CREATE INDEX products_release ON products (release_name, status)`.execute(db);
      await sql`CREATE INDEX products_owner ON products (owner_id, status)`.execute(db);
      await sql`CREATE INDEX products_official ON products (official_product, status)`.execute(db);
      await sql`CREATE INDEX products_display_name ON products (display_name)`.execute(db);
      await sql`CREATE TABLE product_files (
        id integer PRIMARY KEY, product_id integer NOT NULL, role smallint NOT NULL, name text NOT NULL,
        mime_type text NOT NULL, extension text NOT NULL, size bigint NOT NULL, sha256 char(64) NOT NULL,
        crc32 bigint NOT NULL, stored boolean NOT NULL, created timestamptz NOT NULL, updated timestamptz NOT NULL)`.execute(db);
      await sql`CREATE INDEX product_files_product ON product_files (product_id, role)`.execute(db);
      await sql`CREATE INDEX product_files_sha256 ON product_files (sha256)`.execute(db);
      await sql`CREATE TABLE product_contents (
        id integer PRIMARY KEY, product_id integer NOT NULL, column_name text NOT NULL, type text NOT NULL,
        "order" integer NOT NULL, ucd text, alias text)`.execute(db);
      await sql`CREATE INDEX product_contents_product ON product_contents (product_id, "order")`.execute(db);
      await sql`CREATE TABLE product_registry (
        product_id integer PRIMARY KEY, file_id integer, format text, n_rows bigint, details jsonb NOT NULL,
        error_code text, error_message text)`.execute(db);
      await sql`CREATE TABLE product_shares (
        share_id text PRIMARY KEY, product_id integer NOT NULL, key_hash char(64) NOT NULL UNIQUE,
        expires_at timestamptz, revoked boolean NOT NULL, created_at timestamptz NOT NULL)`.execute(db);
    },
  },
  // The list's substring filters (`search`, `uploaded_by`, `product_name`: LIKE '%term%')
  // scanned every product: 40-150 ms a query at 100,000 products. Trigram indexes answer them
  // from the index. Without pg_trgm (PGlite as built today, or a server where it cannot be
  // installed) the catalogue works as before, by scanning.
  '0002_substring_search': {
    async up(db) {
      const schema = await trigramSchema(db);
      if (!schema) return;
      for (const column of ['search_text', 'display_name', 'owner_username', 'owner_name']) {
        await sql`CREATE INDEX ${sql.raw(`products_${column}_trgm`)} ON products USING gin (${sql.ref(column)} ${sql.raw(`${schema}.gin_trgm_ops`)})`.execute(db);
      }
    },
  },
  // Kept list answers outlive catalogue changes that cannot change them (listing-columns.ts):
  // when each product's rows last changed, and when anything a list chooses by last changed.
  '0003_listing_changes': {
    async up(db) {
      await sql`ALTER TABLE products ADD COLUMN changed_commit bigint NOT NULL DEFAULT 0, ADD COLUMN changed_prepare bigint NOT NULL DEFAULT 0`.execute(db);
      await sql`CREATE INDEX products_changed ON products (changed_commit, changed_prepare)`.execute(db);
      await sql`CREATE TABLE catalogue_listing_changes (id integer PRIMARY KEY CHECK (id = 1), commit_position bigint NOT NULL, prepare_position bigint NOT NULL)`.execute(db);
    },
  },
  // Descriptions were rendered from Markdown on every read (issue 16: a 97 KB one cost 0.6 s a
  // GET). The catalogue now renders each once, when projected (description-html.ts), and keeps
  // it; the rows already there are rendered here, once.
  '0004_description_html': {
    async up(db) {
      await sql`ALTER TABLE products ADD COLUMN description_html text`.execute(db);
      for (let after = -1; ; ) {
        const rows = await sql<{ id: number; description: string }>`SELECT id, description FROM products WHERE description IS NOT NULL AND id > ${after} ORDER BY id LIMIT 500`.execute(db);
        for (const row of rows.rows) await sql`UPDATE products SET description_html = ${renderDescription(row.description)} WHERE id = ${row.id}`.execute(db);
        const last = rows.rows.at(-1);
        if (!last) break;
        after = last.id;
      }
    },
  },
  // What the file says of each column (unit, its own UCD, description), and whether ucd/alias
  // were suggested at registry (with the suggester's confidence) or chosen by the owner.
  '0005_column_metadata': {
    async up(db) {
      await sql`ALTER TABLE product_contents ADD COLUMN unit text, ADD COLUMN file_ucd text, ADD COLUMN description text,
        ADD COLUMN associated_by text, ADD COLUMN confidence double precision`.execute(db);
    },
  },
  // The reference model's writable release_year (ProductReleaseYearSet); null: the release's year.
  '0006_release_year': {
    async up(db) {
      await sql`ALTER TABLE products ADD COLUMN release_year integer`.execute(db);
    },
  },
  // Data rights (issue 17): groups, their members, and the groups each restricted release is
  // open to. Product visibility reads these in EXISTS subqueries (services/api visibility/).
  '0007_rights_groups': {
    async up(db) {
      await sql`CREATE TABLE groups (name text PRIMARY KEY, description text NOT NULL, source text NOT NULL, created_at timestamptz NOT NULL)`.execute(db);
      await sql`CREATE TABLE group_members (group_name text NOT NULL, user_id integer NOT NULL, source text NOT NULL, added_at timestamptz NOT NULL,
        PRIMARY KEY (group_name, user_id, source))`.execute(db);
      await sql`CREATE INDEX group_members_user ON group_members (user_id, group_name)`.execute(db);
      await sql`CREATE TABLE release_access (release_name text NOT NULL, group_name text NOT NULL, PRIMARY KEY (release_name, group_name))`.execute(db);
    },
  },
  // A pipeline output's run status (the product list's process_status), from the run's events;
  // the catalogue's version 2 replays the log to fill it in for the runs already there.
  '0008_process_status': {
    async up(db) {
      await sql`ALTER TABLE products ADD COLUMN process_status text`.execute(db);
      await sql`CREATE INDEX products_process ON products (owner_id, process_id) WHERE process_id IS NOT NULL`.execute(db);
    },
  },
};

/**
 * The schema holding pg_trgm, installing it in `public` when it is available and allowed; null
 * when it cannot be had. An extension is database-wide: it never goes into a service's own
 * schema, where dropping that schema would take every other schema's trigram indexes with it.
 */
async function trigramSchema(db: Kysely<object>): Promise<string | null> {
  // Several services (or tests) may migrate their schemas of one database at the same moment.
  await sql`SELECT pg_advisory_xact_lock(hashtext('pz:pg_trgm'))`.execute(db);
  const installed = await sql<{ schema: string }>`SELECT extnamespace::regnamespace::text AS schema FROM pg_extension WHERE extname = 'pg_trgm'`.execute(db);
  if (installed.rows[0]) return installed.rows[0].schema;
  const allowed = await sql<{ ok: boolean }>`
    SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm')
       AND EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public')
       AND has_database_privilege(current_database(), 'CREATE') AS ok`.execute(db);
  if (!allowed.rows[0]?.ok) return null;
  const mayCreateInPublic = await sql<{ ok: boolean }>`SELECT has_schema_privilege('public', 'CREATE') AS ok`.execute(db);
  if (!mayCreateInPublic.rows[0]?.ok) return null;
  await sql`CREATE EXTENSION pg_trgm SCHEMA public`.execute(db);
  return 'public';
}
