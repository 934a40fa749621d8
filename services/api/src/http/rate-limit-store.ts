import type { FastifyRateLimitOptions, FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { sql, type Kysely } from 'kysely';
import { migrate, type Database } from '@pz/database';

/** Expired windows are deleted once every this many increments (each process), so the table stays small. */
const SWEEP_EVERY = 500;

/**
 * The counters of `@fastify/rate-limit` in PostgreSQL, so that every server process of a
 * cluster counts the same attempts: ten logins a minute means ten in all, not ten per process.
 * One row per (route, client key) holds the hits of the current fixed window and when it ends;
 * an increment is one upsert that starts a new window when the old one has ended.
 */
export async function openRateLimitStore(database: Database): Promise<FastifyRateLimitStoreCtor> {
  await migrate(database, 'rate_limits', {
    '0001_rate_limits': {
      async up(db: Kysely<object>) {
        await sql`CREATE TABLE rate_limits (key text PRIMARY KEY, hits integer NOT NULL, window_ends timestamptz NOT NULL)`.execute(db);
      },
    },
  });
  const db = database.kysely;
  let increments = 0;

  const incr = async (key: string, timeWindow: number): Promise<{ current: number; ttl: number }> => {
    if (++increments % SWEEP_EVERY === 0) await sql`DELETE FROM rate_limits WHERE window_ends < now()`.execute(db);
    const row = (
      await sql<{ hits: number; ttl: string }>`
        INSERT INTO rate_limits AS r (key, hits, window_ends) VALUES (${key}, 1, now() + ${timeWindow} * interval '1 millisecond')
        ON CONFLICT (key) DO UPDATE SET
          hits = CASE WHEN r.window_ends <= now() THEN 1 ELSE r.hits + 1 END,
          window_ends = CASE WHEN r.window_ends <= now() THEN now() + ${timeWindow} * interval '1 millisecond' ELSE r.window_ends END
        RETURNING hits, greatest(0, ceil(extract(epoch FROM window_ends - now()) * 1000))::bigint::text AS ttl`.execute(db)
    ).rows[0];
    return { current: row?.hits ?? 1, ttl: Number(row?.ttl ?? timeWindow) };
  };

  class PostgresRateLimitStore implements FastifyRateLimitStore {
    constructor(
      _options: FastifyRateLimitOptions,
      private readonly prefix = '',
    ) {}

    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      incr(`${this.prefix}${key}`, timeWindow).then(
        (result) => callback(null, result),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }

    child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
      const route = (routeOptions as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo;
      return new PostgresRateLimitStore({}, `${this.prefix}${String(route?.method ?? '')} ${String(route?.url ?? routeOptions.path)} `);
    }
  }
  return PostgresRateLimitStore;
}
