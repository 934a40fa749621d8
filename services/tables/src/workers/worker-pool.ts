import { Worker, type ResourceLimits } from 'node:worker_threads';

/** What a pooled worker posts back for one task: the task's id, its reply, and whether to retire. */
export interface PooledReply<Reply> {
  readonly id: number;
  readonly reply: Reply;
  /** The worker grew (WASM memory never shrinks): replace it once this task is answered. */
  readonly recycle?: boolean;
}

/** How one task ended. Everything but `done` means the worker was (or never was) involved. */
export type PoolOutcome<Reply> =
  | { readonly kind: 'done'; readonly reply: Reply }
  | { readonly kind: 'timeout'; readonly ms: number }
  | { readonly kind: 'out-of-memory' }
  | { readonly kind: 'crashed'; readonly message: string }
  | { readonly kind: 'busy'; readonly reason: 'process' | 'requester' };

export interface WorkerPoolOptions {
  /** The worker's entry file (plain JavaScript, run as is). */
  readonly script: URL;
  /** Data every worker of this pool starts with (limits, mostly). */
  readonly workerData?: unknown;
  readonly resourceLimits: ResourceLimits;
  /** Tasks running at once in this process (one worker each). */
  readonly size: number;
  /** Tasks waiting for a worker beyond `size`; more are refused as busy. */
  readonly maxQueued: number;
  /** Tasks one requester may have running or waiting at once; more are refused as busy. */
  readonly perRequester: number;
}

/**
 * Worker scripts post `{ ready: true }` once loaded: a task's time limit runs from then, so a
 * slow start (libhdf5 takes seconds to load on a busy machine) is never taken for a hostile file.
 */
export const READY_MESSAGE = { ready: true } as const;

interface Task<Request, Reply> {
  readonly id: number;
  readonly request: Request;
  readonly timeoutMs: number;
  readonly requester: string | null;
  readonly resolve: (outcome: PoolOutcome<Reply>) => void;
}

interface Slot {
  readonly worker: Worker;
  busy: boolean;
  /** The worker posted `{ ready: true }`: its libraries are loaded, tasks' clocks may start. */
  ready: boolean;
  onReady: (() => void) | null;
}

/** A worker that has not said it is ready by then is deemed broken. */
const STARTUP_TIMEOUT_MS = 120_000;

const isPooledReply = (value: unknown): value is PooledReply<unknown> =>
  typeof value === 'object' && value !== null && 'id' in value && 'reply' in value;

/**
 * A small pool of worker threads for hostile-input work (decoding tables). A task runs with a
 * time limit (past it the worker is terminated, which stops any loop, and replaced) under the
 * pool's heap limit; a worker that says it grew is retired after its answer. The pool bounds
 * how many tasks run and wait, in all and per requester, so a few requests cannot take every
 * core: beyond that a task is refused at once as busy rather than queued without end.
 */
export class WorkerPool<Request, Reply> {
  private readonly slots: Slot[] = [];
  private readonly queue: Task<Request, Reply>[] = [];
  private readonly perRequester = new Map<string, number>();
  private nextId = 1;

  constructor(private readonly options: WorkerPoolOptions) {}

  /** Counts for tests and health: workers alive, tasks running, tasks waiting. */
  stats(): { workers: number; running: number; queued: number } {
    return { workers: this.slots.length, running: this.slots.filter((slot) => slot.busy).length, queued: this.queue.length };
  }

  run(request: Request, timeoutMs: number, requester: string | null = null): Promise<PoolOutcome<Reply>> {
    if (requester !== null && (this.perRequester.get(requester) ?? 0) >= this.options.perRequester) {
      return Promise.resolve({ kind: 'busy', reason: 'requester' });
    }
    const running = this.slots.filter((slot) => slot.busy).length;
    if (running >= this.options.size && this.queue.length >= this.options.maxQueued) {
      return Promise.resolve({ kind: 'busy', reason: 'process' });
    }
    if (requester !== null) this.perRequester.set(requester, (this.perRequester.get(requester) ?? 0) + 1);
    return new Promise((resolve) => {
      this.queue.push({
        id: this.nextId++,
        request,
        timeoutMs,
        requester,
        resolve: (outcome) => {
          if (requester !== null) {
            const left = (this.perRequester.get(requester) ?? 1) - 1;
            if (left <= 0) this.perRequester.delete(requester);
            else this.perRequester.set(requester, left);
          }
          resolve(outcome);
        },
      });
      this.dispatch();
    });
  }

  /** Stops every worker (tests, shutdown). Running tasks end as crashed. */
  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((candidate) => !candidate.busy);
      if (!slot) {
        if (this.slots.length >= this.options.size) return;
        slot = this.spawn();
      }
      const task = this.queue.shift();
      if (!task) return;
      this.start(slot, task);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.options.script, {
      // Plain JavaScript entry files: the parent's loaders (tsx) would only double the start.
      execArgv: [],
      workerData: this.options.workerData,
      resourceLimits: this.options.resourceLimits,
    });
    // An idle worker must not keep the process alive.
    worker.unref();
    const slot: Slot = { worker, busy: false, ready: false, onReady: null };
    this.slots.push(slot);
    worker.on('message', (message: unknown) => {
      if (typeof message !== 'object' || message === null || !('ready' in message) || slot.ready) return;
      slot.ready = true;
      slot.onReady?.();
    });
    worker.on('exit', () => this.retire(slot));
    worker.on('error', () => this.retire(slot));
    return slot;
  }

  private retire(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    void slot.worker.terminate();
    queueMicrotask(() => this.dispatch());
  }

  private start(slot: Slot, task: Task<Request, Reply>): void {
    slot.busy = true;
    slot.worker.ref();
    const { worker } = slot;
    let settled = false;
    const finish = (outcome: PoolOutcome<Reply>, keep: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      slot.onReady = null;
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (keep) {
        slot.busy = false;
        worker.unref();
        this.dispatch();
      } else {
        this.retire(slot);
      }
      task.resolve(outcome);
    };
    const onMessage = (message: unknown) => {
      if (!isPooledReply(message) || message.id !== task.id) return;
      finish({ kind: 'done', reply: message.reply as Reply }, message.recycle !== true);
    };
    const onError = (cause: Error) => {
      const outOfMemory = 'code' in cause && cause.code === 'ERR_WORKER_OUT_OF_MEMORY';
      finish(outOfMemory ? { kind: 'out-of-memory' } : { kind: 'crashed', message: cause.message }, false);
    };
    const onExit = (code: number) => finish({ kind: 'crashed', message: `the worker stopped (exit code ${code})` }, false);
    let timer = setTimeout(() => finish({ kind: 'crashed', message: `the worker did not start within ${STARTUP_TIMEOUT_MS / 1000} s` }, false), STARTUP_TIMEOUT_MS);
    const startClock = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish({ kind: 'timeout', ms: task.timeoutMs }, false), task.timeoutMs);
    };
    if (slot.ready) startClock();
    else slot.onReady = startClock;
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage({ id: task.id, request: task.request });
  }
}
