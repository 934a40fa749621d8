/**
 * A wake-up for readers of the log: appends in this process ring it after commit, and
 * subscribers wait on it (or on a poll timer). It carries no data: a reader always re-reads
 * from its own checkpoint, so a missed ring costs latency, never an event.
 */
export class WakeSignal {
  private waiters = new Set<() => void>();

  ring(): void {
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Resolves on the next ring or after `timeoutMs`, whichever comes first. */
  wait(timeoutMs: number): { promise: Promise<void>; cancel: () => void } {
    let wake: () => void = () => {};
    const promise = new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const waiters = this.waiters;
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      wake = done;
      this.waiters.add(done);
    });
    return { promise, cancel: wake };
  }
}
