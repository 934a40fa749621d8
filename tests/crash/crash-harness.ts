import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { START, comparePositions, type EventData, type EventStore, type LogPosition, type NewEvent, type RecordedEvent } from '@pz/contracts';
import { openBlobStore, type FileBlobStore as BlobStore } from '@pz/blobs';
import { spawnApiProcess, type ApiProcess } from '@pz/api/api-process';
import { migrate, openDatabase, type Database } from '@pz/database';
import { dropSchema, testBackends, type TestDatabase } from '@pz/database/testing';
import { openPostgresEventStore } from '@pz/ledger';
import { catalogueProjection } from '@pz/projections';
import { readCheckpoint } from '@pz/projections/checkpoints';
import { CatalogueGenerator, type StreamAppend } from '../../bench/support/catalogue-events';

/**
 * One service installation that survives its processes: a data folder (blobs, the embedded
 * database, the session secret) and, for PostgreSQL, a schema of its own on the test server.
 */
export interface Installation {
  readonly backend: 'pglite' | 'postgres';
  readonly dataDir: string;
  readonly blobDir: string;
  /** Environment that points a server process at this installation. */
  readonly env: Readonly<Record<string, string>>;
  /** Opens the installation's storage in this process (for PGlite: only while no server runs). */
  openStorage(): Promise<Storage>;
  remove(): Promise<void>;
}

export interface Storage {
  readonly database: Database;
  readonly store: EventStore;
  readonly blobs: BlobStore;
  close(): Promise<void>;
}

export function crashBackends(env: Readonly<Record<string, string | undefined>> = process.env): ('pglite' | 'postgres')[] {
  return testBackends(env).map((b) => b.name);
}

export function createInstallation(backend: 'pglite' | 'postgres'): Installation {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-crash-'));
  const blobDir = path.join(dataDir, 'blobs');
  const url = process.env.DATABASE_URL ?? '';
  const schema = `crash_${randomBytes(6).toString('hex')}`;
  const env: Record<string, string> = backend === 'pglite'
    ? { DATA_DIR: dataDir, DATABASE_URL: '', DATABASE_SCHEMA: '', EVENTSTORE_URL: '', PZ_SECRET: '' }
    : { DATA_DIR: dataDir, DATABASE_URL: url, DATABASE_SCHEMA: schema, EVENTSTORE_URL: '', PZ_SECRET: '' };
  return {
    backend,
    dataDir,
    blobDir,
    env,
    async openStorage() {
      const database = backend === 'pglite' ? await openDatabase({ pgliteDir: path.join(dataDir, 'pg') }) : await openDatabase({ url, schema, poolSize: 4 });
      const store = await openPostgresEventStore(database, { pollIntervalMs: 50 });
      const blobs = await openBlobStore(blobDir);
      return {
        database,
        store,
        blobs,
        async close() {
          await store.close();
          await database.close();
        },
      };
    },
    async remove() {
      if (backend === 'postgres') await dropSchema(url, schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The real server (`npm start`'s entry point) in a process of its own, which the test may SIGKILL. */
export const spawnServer = (installation: Installation, startupMs = 600_000): Promise<ApiProcess> =>
  spawnApiProcess({ env: { ...installation.env, LOG_LEVEL: 'warn' }, startupMs });

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Deterministic bytes of any length (AES-CTR keystream of a seed): a retried upload sends the same file. */
export function fileBytes(seed: string, size: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

// ---------------------------------------------------------------------------------------------
// Catalogue content: real users, products and files, appended straight to the ledger.

/** A user of the generated catalogue with an API key the test knows. */
export interface KnownUser {
  readonly userId: number;
  readonly auth: string;
}

export const keyOf = (userId: number): string => `crashkey${userId}`;
const authOf = (userId: number): KnownUser => ({ userId, auth: `Token ${keyOf(userId)}` });

/**
 * Catalogue events from the benchmark generator, with every file pointing at content that really
 * is in the hash store (the generator invents hashes): the promise "no event names a missing
 * blob" must hold for what the test appends too.
 */
export class CrashCatalogue {
  readonly generator: CatalogueGenerator;
  /** The product uploads go to (no main file yet), and the one with large files to download. */
  readonly uploadProduct = 90_001;
  readonly downloadProduct = 90_002;
  private nextProduct = 100_001;
  private smallBlobs: { sha256: string; size: number; crc32: number }[] = [];

  constructor(seed: number) {
    this.generator = new CatalogueGenerator(seed, 12);
  }

  get admin(): KnownUser {
    return authOf(this.generator.users[0]?.userId ?? 0);
  }

  ownerOf(append: StreamAppend): KnownUser {
    const registered = append.events.find((e) => e.type === 'ProductRegistered');
    return authOf((registered?.data as EventData<'ProductRegistered'>).ownerId);
  }

  /** The first appends: users, the upload target, the download target with two large files. */
  async setUp(storage: Storage): Promise<{ uploader: KnownUser; downloader: KnownUser }> {
    for (let i = 0; i < 6; i++) {
      const written = await storage.blobs.write(Readable.from([fileBytes(`small-${i}`, 1000 + i * 997)]));
      if (!written.ok) throw new Error(written.error.message);
      this.smallBlobs.push(written.value);
    }
    const large: { sha256: string; size: number; crc32: number }[] = [];
    for (const [i, size] of [12 << 20, 5 << 20].entries()) {
      const written = await storage.blobs.write(Readable.from([fileBytes(`large-${i}`, size)]));
      if (!written.ok) throw new Error(written.error.message);
      large.push(written.value);
    }
    await appendAll(storage.store, [...this.generator.extraReleases(), ...this.generator.userAppends((u) => sha256(Buffer.from(keyOf(u.userId))))]);

    const upload = this.generator.product(this.uploadProduct, 'registered');
    let fileIndex = 0;
    const download = this.withBlobs(this.generator.product(this.downloadProduct, 'full'), () => large[fileIndex++ % large.length] ?? large[0]);
    // The download target must stay visible to its owner: drop a deletion the generator may roll.
    const kept: StreamAppend = { stream: download.stream, events: download.events.filter((e) => e.type !== 'ProductDeleted') };
    await appendAll(storage.store, [upload, kept]);
    return { uploader: this.ownerOf(upload), downloader: this.ownerOf(kept) };
  }

  /** `count` more products with their whole life (files, contents, edits...); returns the last product id. */
  async appendProducts(store: EventStore, count: number): Promise<{ lastProductId: number; events: number }> {
    const appends: StreamAppend[] = [];
    for (let i = 0; i < count; i++) {
      let k = 0;
      appends.push(this.withBlobs(this.generator.product(this.nextProduct++, 'full'), () => this.smallBlobs[k++ % this.smallBlobs.length]));
    }
    await appendAll(store, appends);
    return { lastProductId: this.nextProduct - 1, events: appends.reduce((n, a) => n + a.events.length, 0) };
  }

  private withBlobs(append: StreamAppend, next: () => { sha256: string; size: number; crc32: number } | undefined): StreamAppend {
    return {
      stream: append.stream,
      events: append.events.map((event): NewEvent => {
        if (event.type !== 'ProductFileAttached') return event;
        const blob = next();
        if (!blob) throw new Error('no blob to point at');
        const data = event.data as EventData<'ProductFileAttached'>;
        return { ...event, data: { ...data, sha256: blob.sha256, size: blob.size, crc32: blob.crc32, stored: true } };
      }),
    };
  }
}

async function appendAll(store: EventStore, appends: readonly StreamAppend[]): Promise<void> {
  for (const a of appends) {
    const r = await store.append(a.stream, a.events, 'no_stream');
    if (!r.ok) throw new Error(`${a.stream}: ${r.error.message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// What must hold after any crash.

export async function readWholeLog(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let after: LogPosition = START;
  for (;;) {
    const page = await store.readAll({ after, limit: 5000 });
    events.push(...page.events);
    if (page.events.length === 0 || comparePositions(page.lastPosition, after) === 0) return events;
    after = page.lastPosition;
  }
}

export interface BlobAudit {
  /** Blobs whose bytes hash to their address (all of them, or the audit throws). */
  readonly blobs: number;
  /** ProductFileAttached events with stored content, each found in the store. */
  readonly namedBlobs: number;
  /** Files under tmp/: writes a crash interrupted, never visible at an address. */
  readonly tempFiles: readonly string[];
}

/** Every stored blob hashes to its address and has a matching record; every blob an event names is there. */
export async function auditBlobs(storage: Storage, events: readonly RecordedEvent[]): Promise<BlobAudit> {
  let blobs = 0;
  for await (const address of storage.blobs.list()) {
    const located = storage.blobs.pathOf(address);
    if (!located.ok) throw new Error(located.error.message);
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(located.value)) hash.update(chunk as Buffer);
    const actual = hash.digest('hex');
    if (actual !== address) throw new Error(`blob ${address} holds bytes that hash to ${actual}: a half-written blob is visible`);
    const record = await storage.blobs.stat(address);
    if (!record.ok || record.value.size !== (await stat(located.value)).size) throw new Error(`blob ${address} has no matching size record`);
    blobs++;
  }
  let namedBlobs = 0;
  for (const event of events) {
    if (event.type !== 'ProductFileAttached') continue;
    const data = event.data as EventData<'ProductFileAttached'>;
    if (!data.stored) continue;
    if (!(await storage.blobs.has(data.sha256))) throw new Error(`event ${event.id} (${event.streamName}) names blob ${data.sha256}, which is not in the hash store`);
    namedBlobs++;
  }
  const tempFiles = await readdir(path.join(storage.blobs.root, 'tmp'));
  return { blobs, namedBlobs, tempFiles };
}

const TABLES = catalogueProjection.tables;

export async function snapshotReadModel(database: Pick<Database, 'kysely'>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of TABLES) {
    const rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(database.kysely)).rows;
    out[table] = rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();
  }
  return out;
}

/**
 * An empty database fed the log, by the catalogue projection alone, up to a position: what the
 * read model must be once its checkpoint says it has seen that much. Positions only grow, so
 * each `advanceTo` applies just the events since the last one (pages cut differently from the
 * live projector's: the projection promises that how pages are cut does not matter).
 */
export class Replay {
  private at: LogPosition = START;
  private constructor(readonly database: TestDatabase) {}

  static async open(backend: 'pglite' | 'postgres'): Promise<Replay> {
    const found = testBackends().find((b) => b.name === backend);
    if (!found) throw new Error(`no test backend ${backend}`);
    const database = await found.open();
    await migrate(database, catalogueProjection.name, catalogueProjection.migrations);
    return new Replay(database);
  }

  async advanceTo(events: readonly RecordedEvent[], position: LogPosition): Promise<void> {
    const types = new Set(catalogueProjection.eventTypes);
    const due = events.filter((e) => comparePositions(e.position, this.at) > 0 && comparePositions(e.position, position) <= 0 && types.has(e.type));
    for (let i = 0; i < due.length; i += 700) {
      await this.database.kysely.transaction().execute((trx) => catalogueProjection.apply(trx, due.slice(i, i + 700)));
    }
    if (comparePositions(position, this.at) > 0) this.at = position;
  }

  snapshot(): Promise<Record<string, string[]>> {
    return snapshotReadModel(this.database);
  }

  drop(): Promise<void> {
    return this.database.drop();
  }
}

/** START too before any projector ran (its checkpoint table does not exist yet). */
export async function catalogueCheckpoint(database: Database): Promise<LogPosition> {
  const exists = await sql<{ found: string | null }>`SELECT to_regclass('projection_checkpoints')::text AS found`.execute(database.kysely);
  if (!exists.rows[0]?.found) return START;
  return (await readCheckpoint(database.kysely, catalogueProjection.name))?.position ?? START;
}

// ---------------------------------------------------------------------------------------------
// HTTP clients that can be caught half-way.

export interface HttpOutcome {
  readonly status: number;
  readonly body: Buffer;
  readonly headers: IncomingMessage['headers'];
}

/** A multipart upload of `content` to the product-files route that stops sending at `stallAt` bytes (or never). */
export function startUpload(base: string, options: { auth: string; productId: number; content: Buffer; idempotencyKey: string; stallAt?: number; name?: string; role?: 0 | 1 | 2 }): {
  /** Resolves when the first `stallAt` bytes of the file are handed to the socket. */
  readonly stalled: Promise<void>;
  readonly outcome: Promise<HttpOutcome | Error>;
} {
  const boundary = `----crash${randomBytes(8).toString('hex')}`;
  const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = Buffer.from(
    field('product', String(options.productId)) + field('role', String(options.role ?? 0)) +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${options.name ?? 'catalogue.bin'}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const req = request(`${base}/api/product-files/`, {
    method: 'POST',
    headers: {
      authorization: options.auth,
      'idempotency-key': options.idempotencyKey,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': head.length + options.content.length + tail.length,
    },
  });
  const outcome = collect(req);
  const stallAt = Math.min(options.stallAt ?? options.content.length, options.content.length);
  const stalled = (async () => {
    req.write(head);
    const step = 256 * 1024;
    for (let at = 0; at < stallAt; at += step) {
      const chunk = options.content.subarray(at, Math.min(at + step, stallAt));
      if (req.destroyed) return;
      if (!req.write(chunk)) await new Promise<void>((resolve) => {
        const done = () => {
          req.off('drain', done);
          req.off('close', done);
          resolve();
        };
        req.on('drain', done);
        req.on('close', done);
      });
    }
    if (stallAt === options.content.length) req.end(tail);
  })();
  return { stalled, outcome };
}

/** A GET that stops reading (the server's writes back up) once `pauseAt` bytes arrived, or reads to the end. */
export function startDownload(url: string, options: { auth?: string; headers?: Record<string, string>; pauseAt?: number }): {
  readonly paused: Promise<void>;
  /**
   * Reads on after a pause. A paused reader never sees the end of a connection whose server
   * died: the kernel delivers the FIN only after the bytes queued before it have been read.
   */
  readonly resume: () => void;
  readonly received: () => Buffer;
  readonly headers: Promise<IncomingMessage['headers']>;
  readonly outcome: Promise<HttpOutcome | Error>;
} {
  const chunks: Buffer[] = [];
  let size = 0;
  let onPaused: () => void = () => {};
  const paused = new Promise<void>((resolve) => (onPaused = resolve));
  let onHeaders: (h: IncomingMessage['headers']) => void = () => {};
  const headers = new Promise<IncomingMessage['headers']>((resolve) => (onHeaders = resolve));
  const req = request(url, { headers: { ...(options.auth ? { authorization: options.auth } : {}), ...options.headers } });
  let response: IncomingMessage | null = null;
  let resumed = false;
  const outcome = new Promise<HttpOutcome | Error>((resolve) => {
    req.on('error', resolve);
    req.on('response', (res) => {
      response = res;
      onHeaders(res.headers);
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (options.pauseAt !== undefined && size >= options.pauseAt && !resumed) {
          res.pause();
          onPaused();
        }
      });
      res.on('error', resolve);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
      res.on('close', () => resolve(new Error('connection closed before the end of the body')));
    });
    req.on('close', () => resolve(new Error('connection closed')));
  });
  req.end();
  const resume = () => {
    resumed = true;
    response?.resume();
  };
  return { paused, resume, received: () => Buffer.concat(chunks), headers, outcome };
}

function collect(req: ReturnType<typeof request>): Promise<HttpOutcome | Error> {
  return new Promise((resolve) => {
    req.on('error', resolve);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', resolve);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
      res.on('close', () => resolve(new Error('connection closed before the end of the body')));
    });
    req.on('close', () => resolve(new Error('connection closed')));
  });
}

export async function getJson<T>(base: string, url: string, auth: string): Promise<{ status: number; body: T }> {
  const r = await fetch(`${base}${url}`, { headers: { authorization: auth } });
  return { status: r.status, body: (await r.json()) as T };
}

/** The sizes of the `.blob` temp files: how far the server got writing each upload. */
export async function tempFileSizes(blobDir: string): Promise<number[]> {
  const sizes: number[] = [];
  for (const name of await readdir(path.join(blobDir, 'tmp')).catch(() => [] as string[])) {
    if (!name.endsWith('.blob')) continue;
    const s = await stat(path.join(blobDir, 'tmp', name)).catch(() => null);
    if (s) sizes.push(s.size);
  }
  return sizes;
}

export async function waitUntil(what: string, condition: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}
