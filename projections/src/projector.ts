import { sql } from 'kysely';
import {
  START,
  comparePositions,
  type EventStore,
  type LogPosition,
  type ReadAllPage,
  type Subscription,
} from '@pz/contracts';
import { migrate, type Database, type Lease } from '@pz/database';
import { advanceCheckpoint, checkpointMigrations, ensureCheckpoint, readCheckpoint, readCheckpoints, writeCheckpoint } from './checkpoints';
import type { Projection } from './projection';

export interface ProjectorOptions {
  readonly batchSize?: number;
  /** Called when a batch fails; the batch is rolled back and retried after a backoff. */
  readonly onError?: (error: unknown) => void;
  readonly retryDelayMs?: number;
  /**
   * How often a process that does not lead tries to take the lead and reads the shared
   * checkpoints when no notification came (ms; default 1000).
   */
  readonly followIntervalMs?: number;
  /** Called with each page before its transaction starts (tests hold a leader here, as a pause would). */
  readonly beforePage?: (page: ReadAllPage) => Promise<void>;
}

export interface ProjectorStatus {
  readonly position: LogPosition;
  readonly running: boolean;
  readonly lastError: string | null;
  readonly eventsApplied: number;
  /** Whether this process writes the read models (leader) or follows the shared checkpoints. */
  readonly role: 'leader' | 'follower';
}

export interface Projector {
  /** Runs migrations, then leads (rebuilding projections whose version changed, following the log) or follows the leader. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves true once every projection has passed `position`, false after `timeoutMs`. */
  waitFor(position: LogPosition, timeoutMs?: number): Promise<boolean>;
  /** Empties one read model and replays it from position 0 (the leader only). */
  rebuild(name: string): Promise<void>;
  status(): ProjectorStatus;
}

/** A page's transaction found a checkpoint moved by another projector: it wrote nothing. */
export class ProjectorFenced extends Error {
  constructor(readonly projection: string) {
    super(`projector: the ${projection} checkpoint was moved by another projector; this one steps down`);
  }
}

/** The channel a leader's page transactions notify on, one per schema (NOTIFY is database-wide). */
export const checkpointsChannel = (database: Database): string => `${database.schema}_checkpoints`;

/**
 * Feeds read models from the event log. Each page of events is handed, as one batch, to every
 * projection that has not yet seen it, in ONE database transaction together with the
 * projections' checkpoints: a crash anywhere replays only what was not committed (exactly-once
 * effect), and a projection can write a whole page in a few statements.
 *
 * Several processes may run one on the same database: one leads (it holds the database's
 * lease `projector:<names>`), the others follow the shared checkpoints (woken by the
 * leader's NOTIFY, polling as a fallback) so that `waitFor` and `status().position` mean the
 * same everywhere, and try to take the lead as it falls free. Leadership alone is not trusted
 * to keep two writers apart (a paused leader may wake after losing its lease): every page's
 * transaction first moves each checkpoint with a compare-and-set from the position this
 * projector read it at, so a projector that finds it moved writes nothing and steps down.
 */
export function createProjector(database: Database, store: EventStore, projections: readonly Projection[], options: ProjectorOptions = {}): Projector {
  const checkpoints = new Map<string, LogPosition>();
  const waiters = new Set<{ position: LogPosition; resolve: (reached: boolean) => void }>();
  const names = projections.map((p) => p.name);
  const leaseName = `projector:${names.join(',')}`;
  const channel = checkpointsChannel(database);
  const notifies = database.kind === 'postgres';
  const followIntervalMs = options.followIntervalMs ?? 1000;
  let subscription: Subscription | null = null;
  let running = false;
  let lastError: string | null = null;
  let eventsApplied = 0;
  let retryTimer: NodeJS.Timeout | null = null;
  let followTimer: NodeJS.Timeout | null = null;
  let unlisten: (() => Promise<void>) | null = null;
  let lease: Lease | null = null;
  let acquiring: Promise<void> | null = null;
  /** Set while a step-down waits for the page in flight: no new lead until it has ended. */
  let steppingDown: Promise<void> | null = null;
  let refreshing: Promise<void> | null = null;
  let refreshAgain = false;
  const eventTypes = [...new Set(projections.flatMap((p) => p.eventTypes))];
  const eventTypesOf = new Map(projections.map((p) => [p.name, new Set(p.eventTypes)]));

  const lowest = (): LogPosition => {
    let min: LogPosition | null = null;
    for (const p of projections) {
      const c = checkpoints.get(p.name) ?? START;
      if (!min || comparePositions(c, min) < 0) min = c;
    }
    return min ?? START;
  };

  const settleWaiters = () => {
    const current = lowest();
    for (const w of waiters) {
      if (comparePositions(current, w.position) >= 0) {
        waiters.delete(w);
        w.resolve(true);
      }
    }
  };

  const applyPage = async (page: ReadAllPage) => {
    // The positions this projector read the page from: what its compare-and-sets expect to find.
    const from = new Map(checkpoints);
    await options.beforePage?.(page);
    const advanced = new Map<string, LogPosition>();
    let applied = 0;
    await database.kysely.transaction().execute(async (trx) => {
      // Fencing first: each checkpoint row is locked by its compare-and-set before anything is written.
      for (const p of projections) {
        const at = from.get(p.name) ?? START;
        if (comparePositions(page.lastPosition, at) <= 0) continue;
        if (!(await advanceCheckpoint(trx, p.name, at, page.lastPosition))) throw new ProjectorFenced(p.name);
        advanced.set(p.name, page.lastPosition);
      }
      for (const p of projections) {
        const at = from.get(p.name) ?? START;
        const types = eventTypesOf.get(p.name);
        const unseen = page.events.filter((event) => comparePositions(event.position, at) > 0 && types?.has(event.type));
        if (unseen.length === 0) continue;
        await p.apply(trx, unseen);
        applied += unseen.length;
      }
      // Delivered to the followers when (and only if) this transaction commits.
      if (notifies && advanced.size > 0) await sql`SELECT pg_notify(${channel}, '')`.execute(trx);
    });
    for (const [name, position] of advanced) checkpoints.set(name, position);
    eventsApplied += applied;
    lastError = null;
    settleWaiters();
  };

  const follow = () => {
    subscription = store.subscribeToAllPages({
      after: lowest(),
      limit: options.batchSize ?? 1000,
      eventTypes,
      onPage: applyPage,
      onError: (error) => {
        lastError = error instanceof Error ? error.message : String(error);
        options.onError?.(error);
        const stopped = subscription;
        subscription = null;
        void stopped?.close();
        if (error instanceof ProjectorFenced) {
          void stepDown();
          return;
        }
        // A failed page stops the subscription at the last committed checkpoint: start again
        // from there after a pause, so a passing fault heals and a poison event does not spin.
        if (running && lease && !retryTimer) {
          retryTimer = setTimeout(() => {
            retryTimer = null;
            if (running && lease && !subscription) follow();
          }, options.retryDelayMs ?? 1000);
        }
      },
    });
  };

  /** As the leader: the stored checkpoints, after rebuilding read models whose version changed. */
  const loadCheckpoints = async () => {
    for (const p of projections) {
      const stored = await readCheckpoint(database.kysely, p.name);
      if (stored && stored.version !== p.version) {
        await reset(p);
        checkpoints.set(p.name, START);
      } else {
        if (!stored) await ensureCheckpoint(database.kysely, p.name, p.version);
        checkpoints.set(p.name, stored?.position ?? START);
      }
    }
  };

  /** As a follower: the checkpoints the leader wrote (one read at a time; a wake-up during one asks for another). */
  const refresh = (): Promise<void> => {
    if (refreshing) {
      refreshAgain = true;
      return refreshing;
    }
    refreshing = (async () => {
      do {
        refreshAgain = false;
        if (lease || steppingDown) break;
        const stored = await readCheckpoints(database.kysely, names).catch(() => null);
        if (!stored || lease) break;
        for (const p of projections) checkpoints.set(p.name, stored.get(p.name)?.position ?? START);
        settleWaiters();
      } while (refreshAgain && running);
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  };

  const reset = async (p: Projection) => {
    await database.kysely.transaction().execute(async (trx) => {
      for (const table of p.tables) await sql`DELETE FROM ${sql.table(table)}`.execute(trx);
      await writeCheckpoint(trx, p.name, START, p.version);
      if (notifies) await sql`SELECT pg_notify(${channel}, '')`.execute(trx);
    });
  };

  const halt = async () => {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    const s = subscription;
    subscription = null;
    await s?.close();
  };

  /** Takes the lead if the lease is free: loads the checkpoints and follows the log. */
  const tryLead = (): Promise<void> => {
    acquiring ??= (async () => {
      if (!running || lease || steppingDown) return;
      const taken = await database.tryLease(leaseName).catch(() => null);
      if (!taken) return;
      if (!running) {
        await taken.release();
        return;
      }
      lease = taken;
      void taken.lost.then(() => {
        if (lease === taken) void stepDown();
      });
      try {
        await loadCheckpoints();
      } catch (error) {
        options.onError?.(error);
        await stepDown();
        return;
      }
      if (running && lease === taken) follow();
    })().finally(() => {
      acquiring = null;
    });
    return acquiring;
  };

  /** Stops writing, gives the lease back, and follows the shared checkpoints until the lease is free again. */
  const stepDown = async () => {
    const held = lease;
    if (!held) return;
    lease = null;
    steppingDown = (async () => {
      await halt();
      await held.release();
    })().finally(() => {
      steppingDown = null;
    });
    await steppingDown;
    if (running) await refresh();
  };

  const tick = () => {
    followTimer = setTimeout(() => {
      void (async () => {
        if (!lease) await tryLead();
        if (!lease) await refresh();
        if (running) tick();
      })();
    }, followIntervalMs);
    followTimer.unref();
  };

  return {
    async start() {
      await migrate(database, 'projector', checkpointMigrations);
      for (const p of projections) await migrate(database, p.name, p.migrations);
      running = true;
      unlisten = await database.listen(channel, () => void refresh());
      await tryLead();
      if (!lease) await refresh();
      tick();
    },
    async stop() {
      running = false;
      if (followTimer) clearTimeout(followTimer);
      followTimer = null;
      await acquiring;
      await halt();
      const held = lease;
      lease = null;
      await held?.release();
      await unlisten?.();
      unlisten = null;
      for (const w of waiters) w.resolve(false);
      waiters.clear();
    },
    waitFor(position, timeoutMs = 5000) {
      if (comparePositions(lowest(), position) >= 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const waiter = {
          position,
          resolve: (reached: boolean) => {
            clearTimeout(timer);
            resolve(reached);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          resolve(false);
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    async rebuild(name) {
      const p = projections.find((x) => x.name === name);
      if (!p) throw new Error(`no projection named ${name}`);
      if (!lease) throw new Error(`this process does not lead the projector; rebuild ${name} on the leader`);
      await halt();
      await reset(p);
      checkpoints.set(p.name, START);
      if (running && lease) follow();
    },
    status() {
      return { position: lowest(), running, lastError, eventsApplied, role: lease ? 'leader' : 'follower' };
    },
  };
}
