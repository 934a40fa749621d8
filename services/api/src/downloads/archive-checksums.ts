import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { sql, type ColumnType, type Kysely } from 'kysely';
import type { ByteReader } from '@pz/blobs';
import { migrate, type Database } from '@pz/database';
import type { ProductArchive } from './product-archive';

const HASH_CHUNK_BYTES = 1 << 20;

/**
 * The sha256 of each archive ever prepared, keyed by its fingerprint. Equal fingerprints mean equal
 * bytes, so a row never goes stale and survives restarts: a 1 GB archive is hashed once, not once
 * per process or per request.
 */
type ChecksumTables = {
  download_checksums: {
    fingerprint: string;
    size: ColumnType<string, string, string>;
    sha256: string;
    computed_at: ColumnType<Date, string, string>;
  };
};

export type ChecksumState =
  | { readonly status: 'pending' | 'running'; readonly bytesDone: number }
  | { readonly status: 'ready'; readonly sha256: string }
  | { readonly status: 'failed'; readonly error: string };

export interface ArchiveChecksums {
  /**
   * The checksum of `archive`, computing it in the background if nobody has yet, waiting at most
   * `waitMs` for it: small archives are ready in one call, large ones report their progress.
   * A failed attempt is reported as such, and retried only when `retryFailed` is set.
   */
  checksum(archive: ProductArchive, options: { readonly waitMs: number; readonly retryFailed: boolean }): Promise<ChecksumState>;
  /** Stops running computations (they are redone on the next request) and drops queued ones. */
  close(): Promise<void>;
}

/** Hashing reads the whole archive: two at a time keep the disk busy without starving downloads. */
const MAX_RUNNING = 2;

interface Job {
  readonly archive: ProductArchive;
  state: Exclude<ChecksumState, { status: 'ready' }>;
  readonly finished: Promise<ChecksumState>;
  settle(state: ChecksumState): void;
}

/** The two pino methods used: one line per checksum computed or failed. */
export interface ChecksumLog {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

export async function openArchiveChecksums(database: Database, log: ChecksumLog): Promise<ArchiveChecksums> {
  await migrate(database, 'downloads', {
    '0001_download_checksums': {
      async up(db: Kysely<object>) {
        await sql`CREATE TABLE download_checksums (
          fingerprint char(64) PRIMARY KEY, size bigint NOT NULL, sha256 char(64) NOT NULL, computed_at timestamptz NOT NULL)`.execute(db);
      },
    },
  });
  const db = database.kysely.withTables<ChecksumTables>();
  const jobs = new Map<string, Job>();
  const queue: Job[] = [];
  const running = new Set<Promise<void>>();
  let closing = false;

  const schedule = () => {
    while (!closing && running.size < MAX_RUNNING && queue.length > 0) {
      const job = queue.shift() as Job;
      const run: Promise<void> = compute(job).finally(() => {
        running.delete(run);
        schedule();
      });
      running.add(run);
    }
  };

  const compute = async (job: Job): Promise<void> => {
    const { archive } = job;
    job.state = { status: 'running', bytesDone: 0 };
    const started = Date.now();
    try {
      const sha256 = await hashArchive(archive.zip.reader(), (bytesDone) => {
        if (closing) throw new Error('the server is shutting down; prepare the download again');
        job.state = { status: 'running', bytesDone };
      });
      await db
        .insertInto('download_checksums')
        .values({ fingerprint: archive.fingerprint, size: String(archive.size), sha256, computed_at: new Date().toISOString() })
        .onConflict((oc) => oc.column('fingerprint').doNothing())
        .execute();
      jobs.delete(archive.fingerprint);
      log.info({ product: archive.productId, fingerprint: archive.fingerprint, bytes: archive.size, ms: Date.now() - started }, 'download checksum computed');
      job.settle({ status: 'ready', sha256 });
    } catch (error) {
      const failed = { status: 'failed', error: `computing the checksum of ${archive.filename} failed: ${error instanceof Error ? error.message : String(error)}` } as const;
      log.warn({ product: archive.productId, fingerprint: archive.fingerprint, err: error }, 'download checksum failed');
      job.state = failed;
      job.settle(failed);
    }
  };

  const enqueue = (archive: ProductArchive): Job => {
    let settle: (state: ChecksumState) => void = () => {};
    const finished = new Promise<ChecksumState>((resolve) => {
      settle = resolve;
    });
    const job: Job = { archive, state: { status: 'pending', bytesDone: 0 }, finished, settle };
    jobs.set(archive.fingerprint, job);
    queue.push(job);
    schedule();
    return job;
  };

  return {
    async checksum(archive, { waitMs, retryFailed }) {
      // A job leaves the map only after its row is written, so a miss here finds the row, if any.
      if (!jobs.has(archive.fingerprint)) {
        const known = await db.selectFrom('download_checksums').select('sha256').where('fingerprint', '=', archive.fingerprint).executeTakeFirst();
        if (known) return { status: 'ready', sha256: known.sha256 };
      }
      if (closing) return { status: 'failed', error: 'the server is shutting down' };
      // Read again after the query: a concurrent request may have started the job meanwhile.
      const existing = jobs.get(archive.fingerprint);
      const job = existing && (existing.state.status !== 'failed' || !retryFailed) ? existing : enqueue(archive);
      const settled = await Promise.race([job.finished, delay(waitMs, null, { ref: false })]);
      return settled ?? job.state;
    },
    async close() {
      closing = true;
      for (const job of queue.splice(0)) job.settle({ status: 'failed', error: 'the server is shutting down' });
      await Promise.allSettled([...running]);
    },
  };
}

/** The sha256 of everything `reader` gives, read through one reused buffer; `progress` may stop it by throwing. */
async function hashArchive(reader: ByteReader, progress: (bytesDone: number) => void): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(HASH_CHUNK_BYTES);
  let bytesDone = 0;
  try {
    for (;;) {
      const count = await reader.read(buffer);
      if (count === 0) return hash.digest('hex');
      hash.update(buffer.subarray(0, count));
      bytesDone += count;
      progress(bytesDone);
    }
  } finally {
    await reader.close();
  }
}
