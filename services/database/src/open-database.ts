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
  /**
   * Takes the lease `name` if no other process holds it (real server: a session advisory lock
   * held on a connection of its own, so it ends when the holder's connection ends; PGlite: one
   * process owns the folder, so it is always granted). Null when another holder has it.
   */
  tryLease(name: string): Promise<Lease | null>;
  close(): Promise<void>;
}

/** Leadership held until released or until its connection is lost. */
export interface Lease {
  /** Resolves when the lease is lost without being released (connection cut, server gone). */
  readonly lost: Promise<void>;
  release(): Promise<void>;
}

/** The lease of a database only one process can open (PGlite): always granted, never lost. */
export const soleLease = async (): Promise<Lease> => ({ lost: new Promise<void>(() => {}), release: async () => {} });

/** How often a lease holder checks that its connection still answers, and how long it waits for the answer. */
const LEASE_HEARTBEAT_MS = 2000;
const LEASE_HEARTBEAT_TIMEOUT_MS = 5000;

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
    tryLease: soleLease,
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
  const leases = new Set<pg.Client>();
  /** Per lease name, the connection a refused attempt was made on, kept for the next attempt. */
  const leaseCandidates = new Map<string, pg.Client>();
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
    async tryLease(name) {
      const schema = options.schema ?? 'public';
      // A follower asks again every second or so: on the connection it asked on last time, not a new one each time.
      let client = leaseCandidates.get(name);
      if (!client) {
        // application_name names the holder in pg_stat_activity (operators, and the tests that cut it).
        const fresh = new pg.Client({ connectionString: url, keepAlive: true, query_timeout: LEASE_HEARTBEAT_TIMEOUT_MS, application_name: leaseApplicationName(schema, name) });
        fresh.on('error', () => {
          if (leaseCandidates.get(name) === fresh) leaseCandidates.delete(name);
        });
        await fresh.connect();
        client = fresh;
      }
      leaseCandidates.delete(name);
      // The two-key form: its keys never meet the one-key locks `migrate` takes.
      const held = await client
        .query<{ held: boolean }>('SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS held', ['pz-lease', `${schema}.${name}`])
        .then((r) => (r.rows[0]?.held === true ? 'held' : 'taken'), () => 'failed');
      if (held !== 'held') {
        if (held === 'taken' && !leaseCandidates.has(name)) leaseCandidates.set(name, client);
        else await client.end().catch(() => {});
        return null;
      }
      let released = false;
      let markLost = () => {};
      const lost = new Promise<void>((resolve) => (markLost = resolve));
      const gone = (): void => {
        if (released) return;
        released = true;
        clearInterval(heartbeat);
        leases.delete(client);
        void client.end().catch(() => {});
        markLost();
      };
      // A silently vanished server or network is found by the next unanswered heartbeat.
      const heartbeat = setInterval(() => void client.query('SELECT 1').catch(gone), LEASE_HEARTBEAT_MS);
      heartbeat.unref();
      client.on('error', gone);
      client.on('end', gone);
      leases.add(client);
      return {
        lost,
        async release() {
          if (released) return;
          released = true;
          clearInterval(heartbeat);
          leases.delete(client);
          await client.end().catch(() => {});
        },
      };
    },
    async close() {
      await Promise.all([...listeners, ...leases, ...leaseCandidates.values()].map((c) => c.end().catch(() => {})));
      listeners.clear();
      leases.clear();
      leaseCandidates.clear();
      await kysely.destroy();
    },
  };
}

/** The `application_name` of the connection holding lease `name` of `schema`. */
export const leaseApplicationName = (schema: string, name: string): string => `pz-lease ${schema}.${name}`.slice(0, 63);

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe SQL identifier: ${name}`);
  return `"${name}"`;
}
