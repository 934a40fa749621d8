import { sql, type Kysely } from 'kysely';
import { migrate, type Database } from '@pz/database';

/**
 * A job queue in PostgreSQL (PGlite or a real server): one row per job, claimed with
 * `FOR UPDATE SKIP LOCKED` under a lease, so several app processes sharing one database each take
 * different jobs, and a job whose process died (its lease ran out) is taken again by another.
 */

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export type JobJson = string | number | boolean | null | JobJson[] | { [key: string]: JobJson };

export interface Job {
  readonly id: number;
  readonly kind: string;
  /** Groups the jobs of one thing (a product's registry): at most one of them is queued or running. */
  readonly subject: string;
  readonly payload: JobJson;
  readonly state: JobState;
  /** Claims so far (the one running included). */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly progressDone: number;
  readonly progressTotal: number | null;
  readonly result: JobJson;
  readonly error: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A claimed job: only the holder of `leaseToken` may report on it, and only while the lease lasts. */
export interface ClaimedJob extends Job {
  readonly leaseToken: string;
}

export interface EnqueueOptions {
  readonly maxAttempts?: number;
}

export interface JobQueue {
  /**
   * Queues a job for `subject`, or returns the one already queued or running for it (a second
   * request for the same work joins the first).
   */
  enqueue(kind: string, subject: string, payload: JobJson, options?: EnqueueOptions): Promise<Job>;
  /** The oldest claimable job of these kinds (queued, or running with an expired lease), now leased to `owner`. */
  claim(kinds: readonly string[], owner: string, leaseMs: number): Promise<ClaimedJob | null>;
  /** Extends the lease and records progress; false when the lease was lost (another process took the job). */
  heartbeat(job: ClaimedJob, leaseMs: number, progress?: { done: number; total: number | null }): Promise<boolean>;
  complete(job: ClaimedJob, result: JobJson): Promise<boolean>;
  /** Fails the attempt: queued again while attempts remain (`retry`), failed for good otherwise. */
  fail(job: ClaimedJob, error: string, options?: { retry?: boolean }): Promise<boolean>;
  get(id: number): Promise<Job | null>;
  /** The newest job of `kind` for `subject`, whatever its state. */
  latest(kind: string, subject: string): Promise<Job | null>;
  /** Jobs of `kind` failed for good since `since`, newest first (at most 100): for recording what their failure means. */
  recentlyFailed(kind: string, since: Date): Promise<Job[]>;
}

interface JobRow {
  id: string | number;
  kind: string;
  subject: string;
  payload: JobJson;
  state: JobState;
  attempts: number;
  max_attempts: number;
  lease_token: string | null;
  progress_done: string | number;
  progress_total: string | number | null;
  result: JobJson;
  error: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const toJob = (row: JobRow): Job => ({
  id: Number(row.id),
  kind: row.kind,
  subject: row.subject,
  payload: row.payload,
  state: row.state,
  attempts: row.attempts,
  maxAttempts: row.max_attempts,
  progressDone: Number(row.progress_done),
  progressTotal: row.progress_total === null ? null : Number(row.progress_total),
  result: row.result,
  error: row.error,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
});

const MIGRATIONS = {
  '0001_jobs': {
    async up(db: Kysely<object>) {
      await sql`CREATE TABLE jobs (
        id bigserial PRIMARY KEY,
        kind text NOT NULL,
        subject text NOT NULL,
        payload jsonb NOT NULL,
        state text NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL,
        lease_owner text,
        lease_token text,
        lease_expires_at timestamptz,
        progress_done bigint NOT NULL DEFAULT 0,
        progress_total bigint,
        result jsonb NOT NULL DEFAULT 'null',
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`.execute(db);
      await sql`CREATE INDEX jobs_claimable ON jobs (kind, id) WHERE state IN ('queued', 'running')`.execute(db);
      // One live job per subject and kind: the database, not a race between processes, decides.
      await sql`CREATE UNIQUE INDEX jobs_one_live_per_subject ON jobs (kind, subject) WHERE state IN ('queued', 'running')`.execute(db);
      await sql`CREATE INDEX jobs_by_subject ON jobs (kind, subject, id)`.execute(db);
    },
  },
};

const SELECTED = sql`id, kind, subject, payload, state, attempts, max_attempts, lease_token, progress_done, progress_total, result, error, created_at, updated_at`;

export async function openJobQueue(database: Database): Promise<JobQueue> {
  await migrate(database, 'jobs', MIGRATIONS);
  const db = database.kysely;
  const one = async (query: ReturnType<typeof sql<JobRow>>): Promise<Job | null> => {
    const row = (await query.execute(db)).rows[0];
    return row ? toJob(row) : null;
  };
  const live = (job: ClaimedJob) => sql`id = ${job.id} AND state = 'running' AND lease_token = ${job.leaseToken}`;

  const queue: JobQueue = {
    async enqueue(kind, subject, payload, options = {}) {
      const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
      const inserted = await one(sql<JobRow>`
        INSERT INTO jobs (kind, subject, payload, state, max_attempts)
        VALUES (${kind}, ${subject}, ${JSON.stringify(payload)}::jsonb, 'queued', ${maxAttempts})
        ON CONFLICT (kind, subject) WHERE state IN ('queued', 'running') DO NOTHING
        RETURNING ${SELECTED}`);
      if (inserted) return inserted;
      const existing = await one(sql<JobRow>`SELECT ${SELECTED} FROM jobs WHERE kind = ${kind} AND subject = ${subject} AND state IN ('queued', 'running') ORDER BY id DESC LIMIT 1`);
      // It finished between the two statements: queue anew.
      return existing ?? queue.enqueue(kind, subject, payload, options);
    },

    async claim(kinds, owner, leaseMs) {
      if (kinds.length === 0) return null;
      // A job whose process died on its last allowed attempt is not run again.
      await sql`
        UPDATE jobs SET state = 'failed', error = 'the process running it stopped before it finished, on every attempt',
          lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, updated_at = now()
        WHERE kind IN (${sql.join(kinds)}) AND state = 'running' AND lease_expires_at < now() AND attempts >= max_attempts`.execute(db);
      const token = `${owner}:${crypto.randomUUID()}`;
      const row = (
        await sql<JobRow>`
          UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ${owner}, lease_token = ${token},
            lease_expires_at = now() + ${leaseMs} * interval '1 millisecond', updated_at = now()
          WHERE id = (
            SELECT id FROM jobs
            WHERE kind IN (${sql.join(kinds)})
              AND (state = 'queued' OR (state = 'running' AND lease_expires_at < now()))
            ORDER BY id
            LIMIT 1
            FOR UPDATE SKIP LOCKED
          )
          RETURNING ${SELECTED}`.execute(db)
      ).rows[0];
      if (!row) return null;
      return { ...toJob(row), leaseToken: token };
    },

    async heartbeat(job, leaseMs, progress) {
      const updated = await sql`
        UPDATE jobs SET lease_expires_at = now() + ${leaseMs} * interval '1 millisecond', updated_at = now()
          ${progress ? sql`, progress_done = ${progress.done}, progress_total = ${progress.total}` : sql``}
        WHERE ${live(job)}`.execute(db);
      return Number(updated.numAffectedRows ?? 0) === 1;
    },

    async complete(job, result) {
      const updated = await sql`
        UPDATE jobs SET state = 'done', result = ${JSON.stringify(result)}::jsonb, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, updated_at = now()
        WHERE ${live(job)}`.execute(db);
      return Number(updated.numAffectedRows ?? 0) === 1;
    },

    async fail(job, error, options = {}) {
      const retry = options.retry ?? true;
      const updated = await sql`
        UPDATE jobs SET
          state = CASE WHEN ${retry} AND attempts < max_attempts THEN 'queued' ELSE 'failed' END,
          error = ${error}, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, updated_at = now()
        WHERE ${live(job)}`.execute(db);
      return Number(updated.numAffectedRows ?? 0) === 1;
    },

    get: (id) => one(sql<JobRow>`SELECT ${SELECTED} FROM jobs WHERE id = ${id}`),

    latest: (kind, subject) => one(sql<JobRow>`SELECT ${SELECTED} FROM jobs WHERE kind = ${kind} AND subject = ${subject} ORDER BY id DESC LIMIT 1`),
    recentlyFailed: async (kind, since) =>
      (await sql<JobRow>`SELECT ${SELECTED} FROM jobs WHERE kind = ${kind} AND state = 'failed' AND updated_at >= ${since.toISOString()}::timestamptz ORDER BY updated_at DESC LIMIT 100`.execute(db)).rows.map(toJob),
  };
  return queue;
}
