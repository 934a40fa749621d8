import type { LogPosition, ReadAllOptions, ReadAllPage, SubscribeOptions, SubscribePagesOptions, Subscription } from '@pz/contracts';
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
 * An error thrown by the consumer stops the subscription (its position stays before the failed
 * page or event); a read error is reported and the read retried.
 */
export function pollingPageSubscription(options: SubscribePagesOptions, deps: PollingDeps): Subscription {
  let closed = false;
  let cancelWait: () => void = () => {};
  let position: LogPosition = options.after ?? START;
  const limit = options.limit ?? deps.batchSize;

  const sleepUnlessRung = async (ms: number) => {
    if (closed) return;
    const { promise, cancel } = deps.wake.wait(ms);
    cancelWait = cancel;
    await promise;
  };

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
      if (closed) return;
      try {
        await options.onPage(page);
      } catch (error) {
        closed = true;
        options.onError?.(error);
        return;
      }
      position = page.lastPosition;
      if (page.events.length < limit) await sleepUnlessRung(deps.pollIntervalMs);
    }
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

/** The per-event form: pages delivered one event at a time, stopping at the first failure. */
export function pollingSubscription(options: SubscribeOptions, deps: PollingDeps): Subscription {
  let closed = false;
  const inner = pollingPageSubscription(
    {
      after: options.after,
      limit: options.limit,
      eventTypes: options.eventTypes,
      onError: (error) => {
        if (!(error instanceof SubscriptionClosed)) options.onError?.(error);
      },
      async onPage(page) {
        for (const event of page.events) {
          if (closed) throw new SubscriptionClosed();
          await options.onEvent(event);
        }
      },
    },
    deps,
  );
  return {
    async close() {
      closed = true;
      await inner.close();
    },
  };
}

class SubscriptionClosed extends Error {}
