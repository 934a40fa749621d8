import type { LogPosition, ReadAllOptions, ReadAllPage, SubscribeOptions, Subscription } from '@pz/contracts';
import { START } from '@pz/contracts';
import type { WakeSignal } from './wake-signal';

export interface PollingDeps {
  readonly readAll: (options: ReadAllOptions) => Promise<ReadAllPage>;
  readonly wake: WakeSignal;
  /** Longest wait between reads when nothing rings the wake signal. */
  readonly pollIntervalMs: number;
  readonly batchSize: number;
}

/**
 * Catch-up then live, by reading pages from a checkpoint. Live delivery is the same loop waiting
 * on the wake signal, so there is one code path and no gap between "catch-up" and "live".
 * An error thrown by `onEvent` stops the subscription at that event (the checkpoint stays before
 * it); a read error is reported and the read retried.
 */
export function pollingSubscription(options: SubscribeOptions, deps: PollingDeps): Subscription {
  let closed = false;
  let cancelWait: () => void = () => {};
  let position: LogPosition = options.after ?? START;
  const limit = options.limit ?? deps.batchSize;

  const loop = async () => {
    while (!closed) {
      let page: ReadAllPage;
      try {
        page = await deps.readAll({ after: position, limit, eventTypes: options.eventTypes });
      } catch (error) {
        if (closed) return;
        options.onError?.(error);
        await sleepUnlessRung(deps.pollIntervalMs);
        continue;
      }
      for (const event of page.events) {
        if (closed) return;
        try {
          await options.onEvent(event);
        } catch (error) {
          closed = true;
          options.onError?.(error);
          return;
        }
        position = event.position;
      }
      position = page.lastPosition;
      if (page.events.length < limit) await sleepUnlessRung(deps.pollIntervalMs);
    }
  };

  const sleepUnlessRung = async (ms: number) => {
    if (closed) return;
    const { promise, cancel } = deps.wake.wait(ms);
    cancelWait = cancel;
    await promise;
  };

  const running = loop();
  return {
    async close() {
      closed = true;
      cancelWait();
      await running;
    },
  };
}
