import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { lockFolder } from './folder-lock';
import pg from 'pg';

/**
 * One handle on the service's PostgreSQL database: a real server through `pg`, or embedded
 * PGlite (WASM, one connection, data in a folder). Each package types its own tables with
 * `database.kysely.withTables<Tables>()`.
 */
export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly kysely: Kysely<object>;
  /** The schema tables are created in (first on the search path). */
  readonly schema: string;
  /**
   * Calls `onNotify` on each NOTIFY on `channel` from any process (real server only; on PGlite
   * every writer lives in this process and wakes readers directly). Returns an unsubscribe.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A PostgreSQL connection string; absent selects PGlite. */
  readonly url?: string | null;
  /** PGlite data folder; absent keeps PGlite in memory. */
  readonly pgliteDir?: string | null;
  /** An already started PGlite to use (tests clone one template instead of booting each time). */
  readonly pglite?: PGlite;
  /** Schema to put first on the search path (isolates tests sharing one server). */
  readonly schema?: string;
  readonly poolSize?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options) : openPglite(options);
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  if (options.pgliteDir) mkdirSync(options.pgliteDir, { recursive: true });
  const release = options.pgliteDir && !options.pglite ? lockFolder(options.pgliteDir) : () => {};
  const pglite = options.pglite ?? (options.pgliteDir ? new PGlite(options.pgliteDir) : new PGlite());
  await pglite.waitReady;
  if (options.schema) {
    await pglite.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}; SET search_path TO ${quoteIdent(options.schema)}`);
  }
  const kysely = new Kysely<object>({ dialect: new PGliteDialect(pglite) });
  return {
    kind: 'pglite',
    kysely,
    schema: options.schema ?? 'public',
    listen: async () => async () => {},
    async close() {
      await kysely.destroy();
      release();
    },
  };
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const searchPath = options.schema ? { options: `-c search_path=${options.schema}` } : {};
  if (options.schema) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, ...searchPath });
  const kysely = new Kysely<object>({ dialect: new PostgresDialect({ pool }) });
  const listeners = new Set<pg.Client>();
  return {
    kind: 'postgres',
    kysely,
    schema: options.schema ?? 'public',
    // LISTEN needs a connection of its own for as long as it listens, so not one from the pool.
    async listen(channel, onNotify) {
      const client = new pg.Client({ connectionString: url, ...searchPath });
      await client.connect();
      client.on('notification', (n) => {
        if (n.channel === channel) onNotify();
      });
      client.on('error', () => listeners.delete(client));
      await client.query(`LISTEN ${quoteIdent(channel)}`);
      listeners.add(client);
      return async () => {
        if (listeners.delete(client)) await client.end().catch(() => {});
      };
    },
    async close() {
      await Promise.all([...listeners].map((c) => c.end().catch(() => {})));
      listeners.clear();
      await kysely.destroy();
    },
  };
}

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe SQL identifier: ${name}`);
  return `"${name}"`;
}
