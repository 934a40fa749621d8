import { sql } from 'kysely';
import {
  START,
  comparePositions,
  type EventStore,
  type LogPosition,
  type ReadAllPage,
  type Subscription,
} from '@pz/contracts';
import { migrate, type Database } from '@pz/database';
import { checkpointMigrations, readCheckpoint, writeCheckpoint } from './checkpoints';
import type { Projection } from './projection';

export interface ProjectorOptions {
  readonly batchSize?: number;
  /** Called when a batch fails; the batch is rolled back and retried after a backoff. */
  readonly onError?: (error: unknown) => void;
  readonly retryDelayMs?: number;
}

export interface ProjectorStatus {
  readonly position: LogPosition;
  readonly running: boolean;
  readonly lastError: string | null;
  readonly eventsApplied: number;
}

export interface Projector {
  /** Runs migrations, rebuilds projections whose version changed, then follows the log. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves true once every projection has passed `position`, false after `timeoutMs`. */
  waitFor(position: LogPosition, timeoutMs?: number): Promise<boolean>;
  /** Empties one read model and replays it from position 0. */
  rebuild(name: string): Promise<void>;
  status(): ProjectorStatus;
}

/**
 * Feeds read models from the event log. Each page of events is handed, as one batch, to every
 * projection that has not yet seen it, in ONE database transaction together with the
 * projections' checkpoints: a crash anywhere replays only what was not committed (exactly-once
 * effect), and a projection can write a whole page in a few statements.
 */
export function createProjector(database: Database, store: EventStore, projections: readonly Projection[], options: ProjectorOptions = {}): Projector {
  const checkpoints = new Map<string, LogPosition>();
  const waiters = new Set<{ position: LogPosition; resolve: (reached: boolean) => void }>();
  let subscription: Subscription | null = null;
  let running = false;
  let lastError: string | null = null;
  let eventsApplied = 0;
  let retryTimer: NodeJS.Timeout | null = null;
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
    const advanced = new Map<string, LogPosition>();
    let applied = 0;
    await database.kysely.transaction().execute(async (trx) => {
      for (const p of projections) {
        const at = checkpoints.get(p.name) ?? START;
        const types = eventTypesOf.get(p.name);
        const unseen = page.events.filter((event) => comparePositions(event.position, at) > 0 && types?.has(event.type));
        if (unseen.length === 0) continue;
        await p.apply(trx, unseen);
        applied += unseen.length;
      }
      for (const p of projections) {
        const at = checkpoints.get(p.name) ?? START;
        if (comparePositions(page.lastPosition, at) > 0) {
          await writeCheckpoint(trx, p.name, page.lastPosition, p.version);
          advanced.set(p.name, page.lastPosition);
        }
      }
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
        // A failed page stops the subscription at the last committed checkpoint: start again
        // from there after a pause, so a passing fault heals and a poison event does not spin.
        const stopped = subscription;
        subscription = null;
        void stopped?.close();
        if (running && !retryTimer) {
          retryTimer = setTimeout(() => {
            retryTimer = null;
            if (running && !subscription) follow();
          }, options.retryDelayMs ?? 1000);
        }
      },
    });
  };

  const loadCheckpoints = async () => {
    for (const p of projections) {
      await migrate(database, p.name, p.migrations);
      const stored = await readCheckpoint(database.kysely, p.name);
      if (stored && stored.version !== p.version) {
        await reset(p);
        checkpoints.set(p.name, START);
      } else {
        checkpoints.set(p.name, stored?.position ?? START);
      }
    }
  };

  const reset = async (p: Projection) => {
    await database.kysely.transaction().execute(async (trx) => {
      for (const table of p.tables) await sql`DELETE FROM ${sql.table(table)}`.execute(trx);
      await writeCheckpoint(trx, p.name, START, p.version);
    });
  };

  const halt = async () => {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    const s = subscription;
    subscription = null;
    await s?.close();
  };

  return {
    async start() {
      await migrate(database, 'projector', checkpointMigrations);
      await loadCheckpoints();
      running = true;
      follow();
    },
    async stop() {
      running = false;
      await halt();
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
      const wasRunning = running;
      running = false;
      await halt();
      await reset(p);
      checkpoints.set(p.name, START);
      running = wasRunning;
      if (running) follow();
    },
    status() {
      return { position: lowest(), running, lastError, eventsApplied };
    },
  };
}

