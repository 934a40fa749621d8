import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** One worker lent to one upload; give it back with `release` (or `discard` after a fault). */
export interface HashWorkerLease {
  readonly worker: Worker;
  release(): void;
  discard(): void;
}

/**
 * Lends hash-and-write workers, one per upload in progress, at most `limit` at once (by default
 * one per core: more would only take turns on the same cores). When none is free the caller
 * hashes on its own thread, so a burst of uploads is slower, never refused. Idle workers stay
 * alive for the next upload but do not keep the process running.
 */
export class HashWorkerPool {
  private readonly idle: Worker[] = [];
  private lent = 0;

  constructor(private readonly limit = availableParallelism()) {}

  tryAcquire(): HashWorkerLease | null {
    if (this.lent >= this.limit) return null;
    const worker = this.idle.pop() ?? spawnWorker();
    worker.ref();
    worker.postMessage({ op: 'reset' });
    this.lent += 1;
    let returned = false;
    const giveBack = (keep: boolean) => {
      if (returned) return;
      returned = true;
      this.lent -= 1;
      worker.removeAllListeners('message');
      worker.removeAllListeners('error');
      worker.removeAllListeners('exit');
      if (keep) {
        worker.unref();
        worker.once('exit', () => this.forget(worker));
        this.idle.push(worker);
      } else {
        void worker.terminate();
      }
    };
    return { worker, release: () => giveBack(true), discard: () => giveBack(false) };
  }

  /** Stops the idle workers (tests; a server shutting down need not wait for them). */
  async close(): Promise<void> {
    const idle = this.idle.splice(0);
    await Promise.all(idle.map((worker) => worker.terminate()));
  }

  private forget(worker: Worker): void {
    const index = this.idle.indexOf(worker);
    if (index >= 0) this.idle.splice(index, 1);
  }
}

function spawnWorker(): Worker {
  // Plain JavaScript: no need for the parent's loaders (tsx), which double a worker's start.
  return new Worker(new URL('./hash-and-write-worker.mjs', import.meta.url), { execArgv: [] });
}

/** The pool every blob store of the process shares: the cores are shared too. */
export const sharedHashWorkerPool = new HashWorkerPool();
