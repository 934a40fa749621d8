import { START, comparePositions, type EventStore, type LogPosition, type ReadAllPage } from '@pz/contracts';
import { eventHash } from '../hash-chain';
import type { CheckpointStore } from './checkpoint-store';
import { headsRoot, signCheckpoint, signatureHolds, type SignedCheckpoint, type StreamHead } from './signed-checkpoint';
import type { LedgerSigningKey } from './signing-key';

export interface CheckpointerOptions {
  /** A checkpoint this often while the log moves (0: not on a timer). */
  readonly intervalMs: number;
  /** And as soon as this many events came since the last one (0: not by count). */
  readonly everyEvents: number;
  /** How often the log is read for new events while either rule is on (default 1 s, or `intervalMs` if shorter). */
  readonly pollMs?: number;
  readonly onError?: (error: unknown) => void;
}

export interface Checkpointer {
  /** Follows the log and signs checkpoints as the options say. */
  start(): Promise<void>;
  /** Reads the log to its head and signs a checkpoint of it now. */
  checkpointNow(): Promise<SignedCheckpoint>;
  stop(): Promise<void>;
}

const PAGE = 1000;

/**
 * Keeps every stream's head (revision and hash of its last event) as the log goes by, and signs
 * a checkpoint of them: every `intervalMs` if anything was appended since the last one, and
 * after `everyEvents` events. It starts from the heads kept with the latest checkpoint (when
 * they still match its signed root), so a restart reads only the events since, not the log.
 * It reads the log on a timer (one page read a second on an idle server) rather than being woken
 * by every append, which would add a read to every write; a failed read or save is reported and
 * tried again at the next tick.
 */
export function createCheckpointer(store: EventStore, checkpoints: CheckpointStore, key: LedgerSigningKey, options: CheckpointerOptions): Checkpointer {
  const heads = new Map<string, { revision: bigint; hash: string }>();
  let position: LogPosition = START;
  let checkpointed: LogPosition | null = null;
  let sinceCheckpoint = 0;
  let checkpointedAt = Date.now();
  let loaded: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  // Pages, timer ticks and requests run one at a time, in order.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };

  const load = (): Promise<void> =>
    (loaded ??= (async () => {
      const latest = await checkpoints.latest();
      if (!latest?.heads || !signatureHolds(latest.checkpoint, key.publicKey) || headsRoot(latest.heads) !== latest.checkpoint.root) return;
      for (const head of latest.heads) heads.set(head.streamName, { revision: head.revision, hash: head.hash });
      position = latest.checkpoint.position;
      checkpointed = position;
    })().catch((error: unknown) => {
      loaded = null;
      throw error;
    }));

  const apply = (page: ReadAllPage): void => {
    for (const event of page.events) {
      if (comparePositions(event.position, position) <= 0) continue;
      const known = heads.get(event.streamName);
      if (!known || event.revision > known.revision) heads.set(event.streamName, { revision: event.revision, hash: event.recordedHash ?? eventHash(event) });
      sinceCheckpoint += 1;
    }
    if (comparePositions(page.lastPosition, position) > 0) position = page.lastPosition;
  };

  const catchUp = async (): Promise<void> => {
    for (;;) {
      const page = await store.readAll({ after: position, limit: PAGE });
      apply(page);
      if (page.events.length < PAGE) return;
    }
  };

  const take = async (): Promise<SignedCheckpoint> => {
    const all: StreamHead[] = [...heads].map(([streamName, head]) => ({ streamName, ...head }));
    const checkpoint = signCheckpoint(key, all, position);
    await checkpoints.save(checkpoint, all);
    checkpointed = position;
    checkpointedAt = Date.now();
    sinceCheckpoint = 0;
    return checkpoint;
  };
  const moved = (): boolean => checkpointed === null || comparePositions(position, checkpointed) > 0;
  const report = (error: unknown) => options.onError?.(error);

  return {
    async start() {
      await load();
      if (options.intervalMs <= 0 && options.everyEvents <= 0) return;
      const pollMs = Math.min(options.pollMs ?? 1000, options.intervalMs > 0 ? options.intervalMs : Infinity);
      let ticking = false;
      timer = setInterval(() => {
        // A slow tick (a long catch-up) is not queued behind by more ticks.
        if (ticking) return;
        ticking = true;
        serially(async () => {
          await catchUp();
          const byCount = options.everyEvents > 0 && sinceCheckpoint >= options.everyEvents;
          const byTime = options.intervalMs > 0 && Date.now() - checkpointedAt >= options.intervalMs && moved();
          if (byCount || byTime) await take();
        })
          .catch(report)
          .finally(() => {
            ticking = false;
          });
      }, pollMs);
      timer.unref();
    },
    checkpointNow: () =>
      serially(async () => {
        await load();
        await catchUp();
        return take();
      }),
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await queue;
    },
  };
}
