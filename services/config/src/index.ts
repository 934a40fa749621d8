import path from 'node:path';

/**
 * All configuration comes from environment variables, read here and nowhere else.
 * The defaults give the embedded setup: PGlite in ./data/pg, blobs in ./data/blobs.
 */
export interface Config {
  readonly host: string;
  readonly port: number;
  /** The origin clients reach us at, used in absolute URLs (download links, file URLs). */
  readonly publicUrl: string;
  readonly dataDir: string;
  /** A PostgreSQL connection string; null selects embedded PGlite in `pgliteDir`. */
  readonly databaseUrl: string | null;
  readonly pgliteDir: string;
  /** `kurrentdb://` or `esdb://` connection string; null keeps events in PostgreSQL. */
  readonly eventStoreUrl: string | null;
  readonly blobDir: string;
  /** Secret for signed download tokens and CSRF tokens; random per process when unset. */
  readonly secret: string | null;
  readonly logLevel: string;
  /** Largest request body (bytes) accepted for one uploaded file. */
  readonly maxUploadBytes: number;
  /** Main files of photo-z estimates above this size keep only their metadata. */
  readonly maxStoredEstimateBytes: number;
  /** Whether cookies get the Secure attribute (set when served behind TLS). */
  readonly secureCookies: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

function intFrom(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`configuration: ${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

const nonEmpty = (v: string | undefined): string | null => (v === undefined || v.trim() === '' ? null : v.trim());

export function loadConfig(env: Env = process.env): Config {
  const dataDir = path.resolve(env.DATA_DIR ?? './data');
  const port = intFrom(env, 'PORT', 8000);
  const host = env.HOST ?? '127.0.0.1';
  return {
    host,
    port,
    publicUrl: (nonEmpty(env.PUBLIC_URL) ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`).replace(/\/+$/, ''),
    dataDir,
    databaseUrl: nonEmpty(env.DATABASE_URL),
    pgliteDir: path.resolve(env.PGLITE_DIR ?? path.join(dataDir, 'pg')),
    eventStoreUrl: nonEmpty(env.EVENTSTORE_URL),
    blobDir: path.resolve(env.BLOB_DIR ?? path.join(dataDir, 'blobs')),
    secret: nonEmpty(env.PZ_SECRET),
    logLevel: env.LOG_LEVEL ?? 'info',
    maxUploadBytes: intFrom(env, 'MAX_UPLOAD_BYTES', 10 * 1024 ** 3),
    maxStoredEstimateBytes: intFrom(env, 'MAX_STORED_ESTIMATE_BYTES', 200 * 1024 ** 2),
    secureCookies: env.SECURE_COOKIES === '1' || env.SECURE_COOKIES === 'true',
  };
}
