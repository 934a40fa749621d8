import { randomBytes } from 'node:crypto';
import { dropSchema } from '@pz/database/testing';

/** Where a real server process keeps its data for a client test: PGlite, and PostgreSQL when DATABASE_URL is set. */
export interface ClientBackend {
  readonly name: string;
  /** Environment of the server process. */
  readonly env: Record<string, string>;
  /** Removes what the server left (the PostgreSQL schema). */
  readonly drop: () => Promise<void>;
}

/** The backends of one test file; `prefix` names its PostgreSQL schemas (`<prefix>_<random>`). */
export function clientBackends(prefix: string): ClientBackend[] {
  const list: ClientBackend[] = [{ name: 'pglite', env: { DATABASE_URL: '' }, drop: async () => undefined }];
  const url = process.env.DATABASE_URL;
  if (url) {
    const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
    list.push({ name: 'postgres', env: { DATABASE_URL: url, DATABASE_SCHEMA: schema }, drop: () => dropSchema(url, schema) });
  }
  return list;
}
