/**
 * Every knob of the benchmarks, read from the environment here and nowhere else. The defaults
 * are the figures of the benchmark issue, sized so that each benchmark runs in about three
 * minutes or less on a 2-core machine.
 */
export interface BenchSettings {
  /** The PostgreSQL server; each benchmark works in a fresh schema that it drops afterwards. */
  readonly databaseUrl: string;
  /** Seed of every generated event, user and product. */
  readonly seed: number;
  /** Seconds of each timed phase of the append benchmark (per writer count, store and baseline). */
  readonly appendSeconds: number;
  /** Events in the log the projector catches up on, on PostgreSQL and on PGlite. */
  readonly catchUpEvents: number;
  readonly catchUpPgliteEvents: number;
  /** Products in the catalogue the list benchmark queries. */
  readonly products: number;
  /** Seconds of load on each URL set of the list benchmark, and its concurrent clients. */
  readonly httpSeconds: number;
  readonly httpConnections: number;
  /** The HTTP load generator: wrk (when installed, the default) or our node client. */
  readonly httpClient: HttpClient;
  /** Writes per second and seconds of the read-your-writes benchmark. */
  readonly rywRate: number;
  readonly rywSeconds: number;
}

export type HttpClient = 'wrk' | 'node' | 'auto';

type Env = Readonly<Record<string, string | undefined>>;

function positive(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

export function loadBenchSettings(env: Env = process.env): BenchSettings {
  return {
    databaseUrl: env.BENCH_DATABASE_URL || env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
    seed: Math.trunc(positive(env, 'BENCH_SEED', 20240601)),
    appendSeconds: positive(env, 'BENCH_APPEND_SECONDS', 8),
    catchUpEvents: Math.trunc(positive(env, 'BENCH_EVENTS', 1_000_000)),
    catchUpPgliteEvents: Math.trunc(positive(env, 'BENCH_PGLITE_EVENTS', 100_000)),
    products: Math.trunc(positive(env, 'BENCH_PRODUCTS', 100_000)),
    httpSeconds: positive(env, 'BENCH_HTTP_SECONDS', 15),
    httpConnections: Math.trunc(positive(env, 'BENCH_HTTP_CONNECTIONS', 16)),
    httpClient: httpClient(env.BENCH_HTTP_CLIENT),
    rywRate: positive(env, 'BENCH_RYW_RATE', 50),
    rywSeconds: positive(env, 'BENCH_RYW_SECONDS', 20),
  };
}

function httpClient(raw: string | undefined): HttpClient {
  const value = raw?.trim() || 'auto';
  if (value === 'wrk' || value === 'node' || value === 'auto') return value;
  throw new Error(`BENCH_HTTP_CLIENT must be wrk, node or auto, got "${raw}"`);
}
