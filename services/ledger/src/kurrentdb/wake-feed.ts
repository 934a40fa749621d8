import { END } from '@kurrent/kurrentdb-client';
import { WakeSignal } from '../wake-signal';
import type { KurrentDbClientPort, LiveSubscription } from './client-port';
import type { StreamNamespace } from './namespace';

export interface WakeFeedDeps {
  readonly client: Pick<KurrentDbClientPort, 'subscribeToAll'>;
  readonly namespace: StreamNamespace;
  /** Rung for every new ledger event the server reports. */
  readonly wake: WakeSignal;
  /** Wait before subscribing again after the server ended or broke the subscription. */
  readonly retryDelayMs: number;
}

export interface WakeFeed {
  close(): Promise<void>;
}

/**
 * KurrentDB's live `$all` subscription used as a doorbell, the counterpart of LISTEN/NOTIFY in
 * the postgres adapter: it rings the wake signal when any process appends a ledger event, and
 * subscribers then read pages from their own checkpoints. It carries no data, so a dropped
 * subscription costs latency until the poll timer or the re-subscription, never an event; that is
 * why its errors are not reported to subscribers.
 */
export function startWakeFeed(deps: WakeFeedDeps): WakeFeed {
  const pause = new WakeSignal();
  const filter = deps.namespace.scanFilter();
  let closed = false;
  let live: LiveSubscription | null = null;

  const loop = async () => {
    while (!closed) {
      const subscription = deps.client.subscribeToAll({ fromPosition: END, filter, resolveLinkTos: false });
      // The iteration below sees errors too; this keeps one emitted after it ended from crashing the process.
      subscription.on('error', () => undefined);
      live = subscription;
      try {
        for await (const { event } of subscription) {
          if (closed) break;
          if (event && deps.namespace.ledgerStreamOf(event.streamId, event.type) !== null) deps.wake.ring();
        }
      } catch {
        // Ended or broken: subscribe again below; readers meanwhile run on their poll timers.
      } finally {
        live = null;
        await stop(subscription);
      }
      if (closed) return;
      await pause.wait(deps.retryDelayMs).promise;
      // Events appended while the feed was down are found by the next read this wakes.
      deps.wake.ring();
    }
  };

  const running = loop();
  return {
    async close() {
      closed = true;
      pause.ring();
      if (live) await stop(live);
      await running;
    },
  };
}

/**
 * Cancels the gRPC call and ends the local stream, so a pending iteration returns. A failure to
 * cancel (the call never started) has already surfaced through the iteration.
 */
async function stop(subscription: LiveSubscription): Promise<void> {
  await subscription.unsubscribe().catch(() => undefined);
  subscription.destroy();
}
