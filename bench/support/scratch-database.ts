import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase, quoteIdent, type Database } from '@pz/database';

/** A database that exists only for one benchmark: a fresh schema on the server, or a PGlite folder. */
export interface ScratchDatabase {
  readonly database: Database;
  /** `postgres` or `pglite`, for labels. */
  readonly backend: Database['kind'];
  /** Closes the handle and removes everything the benchmark created. */
  drop(): Promise<void>;
}

const open = new Set<ScratchDatabase>();

/**
 * A fresh `bench_<random>` schema on the server at `url` (first on the search path); `drop`
 * removes that schema and nothing else.
 */
export async function openScratchPostgres(url: string, poolSize = 10): Promise<ScratchDatabase> {
  await assertReachable(url);
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const database = await openDatabase({ url, schema, poolSize });
  const scratch: ScratchDatabase = {
    database,
    backend: 'postgres',
    async drop() {
      open.delete(scratch);
      await database.close();
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
  open.add(scratch);
  return scratch;
}

/** PGlite in a temporary folder, as the embedded default keeps it on disk. */
export async function openScratchPglite(): Promise<ScratchDatabase> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pz-bench-pglite-'));
  const database = await openDatabase({ pgliteDir: dir });
  const scratch: ScratchDatabase = {
    database,
    backend: 'pglite',
    async drop() {
      open.delete(scratch);
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  open.add(scratch);
  return scratch;
}

/** Runs `use` on a scratch database and always drops it. */
export async function withScratch<T>(opening: Promise<ScratchDatabase>, use: (scratch: ScratchDatabase) => Promise<T>): Promise<T> {
  const scratch = await opening;
  try {
    return await use(scratch);
  } finally {
    await scratch.drop();
  }
}

/** For an interrupted run (Ctrl-C): remove what is still there. */
export async function dropAllScratch(): Promise<void> {
  await Promise.allSettled([...open].map((s) => s.drop()));
}

async function assertReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot reach PostgreSQL at ${url.replace(/:[^:@/]*@/, ':***@')} (${error instanceof Error ? error.message : String(error)}); start it or set BENCH_DATABASE_URL`, { cause: error });
  } finally {
    await client.end().catch(() => {});
  }
}

/** `SHOW server_version` and the settings that matter for write figures. */
export async function describeServer(database: Database): Promise<string> {
  if (database.kind === 'pglite') return 'PGlite (PostgreSQL in WASM, one connection)';
  const rows = await sql<{ name: string; setting: string }>`SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'shared_buffers', 'synchronous_commit', 'fsync', 'wal_level')`.execute(database.kysely);
  const s = Object.fromEntries(rows.rows.map((r) => [r.name, r.setting]));
  return `PostgreSQL ${s.server_version} (shared_buffers ${s.shared_buffers} × 8 kB, fsync ${s.fsync}, synchronous_commit ${s.synchronous_commit})`;
}
