import { availableParallelism } from 'node:os';
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
  /** Schema on that server to keep every table in (created if missing); null uses the server's default search path. */
  readonly databaseSchema: string | null;
  readonly pgliteDir: string;
  /** `kurrentdb://` or `esdb://` connection string; null keeps events in PostgreSQL. */
  readonly eventStoreUrl: string | null;
  readonly blobDir: string;
  /**
   * `s3://bucket[/prefix]?endpoint=…&region=…` keeps blobs in S3-compatible storage shared by
   * every process (credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); `blobDir` then only
   * caches local copies. Null keeps blobs in `blobDir`.
   */
  readonly blobUrl: string | null;
  /** Secret for signed download tokens and CSRF tokens; random per process when unset. */
  readonly secret: string | null;
  readonly logLevel: string;
  /** Largest request body (bytes) accepted for one uploaded file. */
  readonly maxUploadBytes: number;
  /** Main files of photo-z estimates above this size keep only their metadata. */
  readonly maxStoredEstimateBytes: number;
  /** How long a table's Parquet pages may take to decode (registry, previews) before the file is refused as corrupt. */
  readonly tableDecodeTimeoutMs: number;
  /** Whether cookies get the Secure attribute (set when served behind TLS); also turns on HSTS. */
  readonly secureCookies: boolean;
  /** Uploads one user may have in progress at once; the next gets 429 before a byte is stored. */
  readonly maxConcurrentUploadsPerUser: number;
  /**
   * `PZ_SECRETS`: signing keys with ids, current first (`id:key,id:key`); the older ones still
   * open the sessions they signed. Null when unset (PZ_SECRET or DATA_DIR/secret is the one key).
   */
  readonly secrets: readonly { readonly id: string; readonly key: string }[] | null;
  /** Bytes the product-list cache may hold per process (rows and the answers made from them, estimated). */
  readonly listingCacheMaxBytes: number;
  /**
   * Main files larger than this are registered by a background job (registry answers 202 with a
   * status URL); smaller ones in the request, as the pzserver client expects (it does not poll).
   */
  readonly registryBackgroundBytes: number;
  /**
   * Which proxies may speak for the client through X-Forwarded-For/-Proto/-Host: none (false,
   * the default: the socket's address counts, so a client cannot pick its own address to dodge
   * rate limits), every hop (true), the nearest N hops, or these addresses/CIDR ranges.
   */
  readonly trustProxy: boolean | number | readonly string[];
  /**
   * Read-your-writes across processes (READ_YOUR_WRITES): `header` (default) waits only for a
   * request's `X-Pz-Position`; `head` also makes every GET without it wait for the log head.
   */
  readonly readYourWrites: 'header' | 'head';
  /** Base64 (or hex) of the 32-byte Ed25519 seed that signs ledger checkpoints; null keeps a generated key in `DATA_DIR/ledger-signing-key.pem`. */
  readonly ledgerSigningKey: string | null;
  /** Seconds between signed checkpoints of the stream heads while the log moves (0: none on a timer). */
  readonly ledgerCheckpointIntervalS: number;
  /** A checkpoint is also taken once this many events were appended since the last one (0: no count). */
  readonly ledgerCheckpointEveryEvents: number;
  /** Bytes an event-stream (SSE) connection may have waiting to be sent before it is closed with a resumable position. */
  readonly sseMaxBufferBytes: number;
  /** Seconds between heartbeat comments on an idle event stream. */
  readonly sseHeartbeatS: number;
  /** Addresses, CIDR ranges or host names webhooks may reach although private or loopback (comma-separated). */
  readonly webhookAllowList: string | null;
  /** First retry delay of a failed webhook delivery; doubled at each further failure. */
  readonly webhookRetryBaseMs: number;
  /** Consecutive failed deliveries after which a webhook is disabled. */
  readonly webhookMaxFailures: number;
  /** `PZ_BOOTSTRAP_ADMIN`: an admin the server creates at start when no account has that name (its token printed once). */
  readonly bootstrapAdmin: { readonly username: string; readonly password: string | null } | null;
  /** Limits of the table readers against hostile files (docs/reliability.md, "Hostile files"). */
  readonly tableReaders: TableReaderSettings;
  /** PIPELINE_WORKERS: pipeline runs this process executes at once (0: it runs none; `npm run worker` processes do). */
  readonly pipelineWorkers: number;
  /** PIPELINE_LEASE_MS: a run whose worker stopped reporting for this long is taken up by another worker. */
  readonly pipelineLeaseMs: number;
  /** PIPELINE_ATTEMPTS: runs of one process (first try and retries after a worker died) before it is failed. */
  readonly pipelineAttempts: number;
  /** PIPELINE_FLAGS_TRANSLATION: the flag translation rules Combine Redshift Catalogs uses when a run attaches none. */
  readonly pipelineFlagsTranslation: string;
  /** PIPELINE_START_DELAY_MS: hold each run this long once started (crash tests and demos; 0 in production). */
  readonly pipelineStartDelayMs: number;
  /** Login through an OpenID Connect identity provider; null (no `OIDC_ISSUER`) leaves local accounts only. */
  readonly oidc: OidcSettings | null;
}

/** The identity provider people may log in through (README, "Identity provider (OpenID Connect)"). */
export interface OidcSettings {
  /** OIDC_ISSUER: the issuer URL; its `/.well-known/openid-configuration` is read at the first login. */
  readonly issuer: string;
  readonly clientId: string;
  /** OIDC_CLIENT_SECRET: null for a public client (PKCE alone). */
  readonly clientSecret: string | null;
  /** OIDC_SCOPES, space-separated. */
  readonly scopes: string;
  /** OIDC_GROUPS_CLAIM: the ID token claim holding the user's group names. */
  readonly groupsClaim: string;
  /** OIDC_DISPLAY_NAME: the portal's button says "Log in with <displayName>". */
  readonly displayName: string;
  /** Where the provider sends the browser back: PUBLIC_URL + /api/auth/oidc/callback/ (register it at the provider). */
  readonly redirectUri: string;
}

/** Mirrors `TableReaderLimits` of @pz/tables (config depends on no other package). */
export interface TableReaderSettings {
  /** TABLE_DECODE_WORKERS: Parquet decodes, and HDF5 reads, running at once per process (each kind its own pool). */
  readonly decodeWorkers: number;
  /** TABLE_DECODE_QUEUE: reads waiting for a worker before more are answered 503. */
  readonly decodeQueue: number;
  /** TABLE_DECODES_PER_USER: reads one user may have running or waiting (429 past that). */
  readonly decodesPerRequester: number;
  /** TABLE_WORKER_HEAP_MB: JavaScript heap of one reader worker. */
  readonly workerHeapMb: number;
  /** HDF5_MEMORY_MB: WebAssembly memory of one HDF5 worker. */
  readonly hdf5MemoryMb: number;
  /** HDF5_MAX_CHUNK_BYTES: largest uncompressed HDF5 chunk a file may declare. */
  readonly hdf5MaxChunkBytes: number;
  /** HDF5_RECYCLE_MB: an HDF5 worker grown past this is replaced after its answer. */
  readonly hdf5RecycleMb: number;
  /** TABLE_MAX_WINDOW_BYTES: bytes one window of rows (a preview page) may need, all columns together (HDF5, FITS). */
  readonly maxWindowBytes: number;
  /** FITS_MAX_HEADER_BYTES: FITS header bytes parsed, all HDUs together, looking for the table. */
  readonly fitsMaxHeaderBytes: number;
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

function positiveIntFrom(env: Env, name: string, fallback: number): number {
  const value = intFrom(env, name, fallback);
  if (value < 1) throw new Error(`configuration: ${name} must be at least 1, got "${env[name] ?? ''}"`);
  return value;
}

function trustProxyFrom(env: Env): boolean | number | readonly string[] {
  const raw = nonEmpty(env.TRUST_PROXY);
  if (raw === null || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  const addresses = raw.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (addresses.some((part) => !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(part))) {
    throw new Error(`configuration: TRUST_PROXY must be true, false, a hop count or a comma-separated list of addresses/CIDR ranges, got "${raw}"`);
  }
  return addresses;
}

function readYourWritesFrom(env: Env): 'header' | 'head' {
  const raw = nonEmpty(env.READ_YOUR_WRITES) ?? 'header';
  if (raw !== 'header' && raw !== 'head') throw new Error(`configuration: READ_YOUR_WRITES must be header or head, got "${raw}"`);
  return raw;
}

function bootstrapAdminFrom(env: Env): Config['bootstrapAdmin'] {
  const username = nonEmpty(env.PZ_BOOTSTRAP_ADMIN);
  if (username === null) return null;
  return { username, password: nonEmpty(env.PZ_BOOTSTRAP_ADMIN_PASSWORD) };
}

function oidcFrom(env: Env, publicUrl: string): OidcSettings | null {
  const issuer = nonEmpty(env.OIDC_ISSUER);
  if (issuer === null) return null;
  if (!URL.canParse(issuer)) throw new Error(`configuration: OIDC_ISSUER must be a URL, got "${issuer}"`);
  const clientId = nonEmpty(env.OIDC_CLIENT_ID);
  if (clientId === null) throw new Error('configuration: OIDC_CLIENT_ID is required with OIDC_ISSUER');
  return {
    issuer,
    clientId,
    clientSecret: nonEmpty(env.OIDC_CLIENT_SECRET),
    scopes: (nonEmpty(env.OIDC_SCOPES) ?? 'openid profile email').split(/\s+/).join(' '),
    groupsClaim: nonEmpty(env.OIDC_GROUPS_CLAIM) ?? 'groups',
    displayName: nonEmpty(env.OIDC_DISPLAY_NAME) ?? new URL(issuer).host,
    redirectUri: `${publicUrl}/api/auth/oidc/callback/`,
  };
}

const nonEmpty = (v: string | undefined): string | null => (v === undefined || v.trim() === '' ? null : v.trim());

export function loadConfig(env: Env = process.env): Config {
  const dataDir = path.resolve(env.DATA_DIR ?? './data');
  const port = intFrom(env, 'PORT', 8000);
  const host = env.HOST ?? '127.0.0.1';
  const publicUrl = (nonEmpty(env.PUBLIC_URL) ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`).replace(/\/+$/, '');
  return {
    host,
    port,
    publicUrl,
    dataDir,
    databaseUrl: nonEmpty(env.DATABASE_URL),
    databaseSchema: nonEmpty(env.DATABASE_SCHEMA),
    pgliteDir: path.resolve(env.PGLITE_DIR ?? path.join(dataDir, 'pg')),
    eventStoreUrl: nonEmpty(env.EVENTSTORE_URL),
    blobDir: path.resolve(env.BLOB_DIR ?? path.join(dataDir, 'blobs')),
    blobUrl: nonEmpty(env.BLOB_URL),
    secret: nonEmpty(env.PZ_SECRET),
    secrets: secretsFrom(env.PZ_SECRETS),
    logLevel: env.LOG_LEVEL ?? 'info',
    maxUploadBytes: intFrom(env, 'MAX_UPLOAD_BYTES', 10 * 1024 ** 3),
    maxStoredEstimateBytes: intFrom(env, 'MAX_STORED_ESTIMATE_BYTES', 200 * 1024 ** 2),
    tableDecodeTimeoutMs: positiveIntFrom(env, 'TABLE_DECODE_TIMEOUT_MS', 30_000),
    secureCookies: env.SECURE_COOKIES === '1' || env.SECURE_COOKIES === 'true',
    maxConcurrentUploadsPerUser: positiveIntFrom(env, 'MAX_CONCURRENT_UPLOADS_PER_USER', 4),
    listingCacheMaxBytes: positiveIntFrom(env, 'LISTING_CACHE_MAX_BYTES', 64 * 1024 ** 2),
    // Above 1 GB: the pzserver client waits for registry's answer and must keep working unchanged.
    registryBackgroundBytes: intFrom(env, 'REGISTRY_BACKGROUND_BYTES', 2 * 1024 ** 3),
    trustProxy: trustProxyFrom(env),
    readYourWrites: readYourWritesFrom(env),
    ledgerSigningKey: nonEmpty(env.LEDGER_SIGNING_KEY),
    ledgerCheckpointIntervalS: intFrom(env, 'LEDGER_CHECKPOINT_INTERVAL_S', 60),
    ledgerCheckpointEveryEvents: intFrom(env, 'LEDGER_CHECKPOINT_EVERY_EVENTS', 10_000),
    sseMaxBufferBytes: positiveIntFrom(env, 'SSE_MAX_BUFFER_BYTES', 1024 ** 2),
    sseHeartbeatS: positiveIntFrom(env, 'SSE_HEARTBEAT_S', 15),
    webhookAllowList: nonEmpty(env.WEBHOOK_ALLOW_LIST),
    webhookRetryBaseMs: positiveIntFrom(env, 'WEBHOOK_RETRY_BASE_MS', 1000),
    webhookMaxFailures: positiveIntFrom(env, 'WEBHOOK_MAX_FAILURES', 8),
    bootstrapAdmin: bootstrapAdminFrom(env),
    pipelineWorkers: intFrom(env, 'PIPELINE_WORKERS', 1),
    pipelineLeaseMs: positiveIntFrom(env, 'PIPELINE_LEASE_MS', 60_000),
    pipelineAttempts: positiveIntFrom(env, 'PIPELINE_ATTEMPTS', 2),
    pipelineFlagsTranslation: path.resolve(env.PIPELINE_FLAGS_TRANSLATION ?? path.join('..', 'shared', 'data', 'redshift-catalogs', 'flags_translation.yaml')),
    pipelineStartDelayMs: intFrom(env, 'PIPELINE_START_DELAY_MS', 0),
    tableReaders: {
      // One core is left to the event loop: with every core inflating hostile chunks, requests queued behind them.
      decodeWorkers: positiveIntFrom(env, 'TABLE_DECODE_WORKERS', Math.max(1, availableParallelism() - 1)),
      decodeQueue: intFrom(env, 'TABLE_DECODE_QUEUE', 16),
      decodesPerRequester: positiveIntFrom(env, 'TABLE_DECODES_PER_USER', 2),
      workerHeapMb: positiveIntFrom(env, 'TABLE_WORKER_HEAP_MB', 512),
      hdf5MemoryMb: positiveIntFrom(env, 'HDF5_MEMORY_MB', 512),
      hdf5MaxChunkBytes: positiveIntFrom(env, 'HDF5_MAX_CHUNK_BYTES', 16 * 1024 ** 2),
      hdf5RecycleMb: positiveIntFrom(env, 'HDF5_RECYCLE_MB', 256),
      maxWindowBytes: positiveIntFrom(env, 'TABLE_MAX_WINDOW_BYTES', 64 * 1024 ** 2),
      fitsMaxHeaderBytes: positiveIntFrom(env, 'FITS_MAX_HEADER_BYTES', 2800 * 2880),
    },
    oidc: oidcFrom(env, publicUrl),
  };
}

/** `PZ_SECRETS=id:key,id:key` (current first): ids of letters, digits, `_`, `-`; keys of at least 32 characters. */
function secretsFrom(raw: string | undefined): { id: string; key: string }[] | null {
  if (raw === undefined || raw.trim() === '') return null;
  const keys = raw.split(',').map((entry) => {
    const at = entry.indexOf(':');
    const id = entry.slice(0, at).trim();
    const key = entry.slice(at + 1).trim();
    if (at < 1 || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || key.length < 32) {
      throw new Error(`PZ_SECRETS must be "id:key,id:key" (current key first; ids of letters, digits, _ or -; keys of at least 32 characters), got an entry "${id.slice(0, 32)}:…"`);
    }
    return { id, key };
  });
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new Error('PZ_SECRETS names a key id twice');
  return keys;
}
