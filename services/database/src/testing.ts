import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openDatabase, type Database } from './open-database';

/**
 * The database backends every storage test runs against: PGlite always, and the real
 * PostgreSQL server when DATABASE_URL is set (CI sets it). Each call opens an isolated
 * database: a fresh in-memory PGlite, or a fresh schema on the server that `drop` removes.
 */
export interface TestBackend {
  readonly name: 'pglite' | 'postgres';
  open(): Promise<TestDatabase>;
}

export interface TestDatabase extends Database {
  /** Closes the handle and removes what the test created. */
  drop(): Promise<void>;
}

export function testBackends(env: Readonly<Record<string, string | undefined>> = process.env): TestBackend[] {
  const backends: TestBackend[] = [{ name: 'pglite', open: openTestPglite }];
  const url = env.DATABASE_URL;
  if (url) backends.push({ name: 'postgres', open: () => openTestPostgres(url) });
  return backends;
}

let template: Promise<PGlite> | null = null;

/** Booting PGlite takes seconds; cloning a booted, empty one takes a fraction of that. */
async function openTestPglite(): Promise<TestDatabase> {
  template ??= PGlite.create();
  const pglite = (await (await template).clone()) as PGlite;
  const database = await openDatabase({ pglite });
  return { ...database, drop: () => database.close() };
}

async function openTestPostgres(url: string): Promise<TestDatabase> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const database = await openDatabase({ url, schema });
  return {
    ...database,
    async drop() {
      await database.close();
      await dropSchema(url, schema);
    },
  };
}

/** Removes a test's schema and everything in it from the server at `url`, over a short-lived connection. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await admin.end();
  }
}
