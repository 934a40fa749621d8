import { describe, expect, it } from 'vitest';
import { WakeSignal } from '../wake-signal';
import { FakeKurrentDbClient } from './fake-kurrentdb-client';
import { streamNamespace } from './namespace';
import { startWakeFeed } from './wake-feed';

/** Counts rings of a wake signal. */
function counter(wake: WakeSignal) {
  let rings = 0;
  let stopped = false;
  const listen = () => {
    if (stopped) return;
    void wake.wait(60_000).promise.then(() => {
      rings++;
      listen();
    });
  };
  listen();
  return {
    get rings() {
      return rings;
    },
    stop: () => {
      stopped = true;
      wake.ring();
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 30));

describe('startWakeFeed', () => {
  it("rings for the ledger's new events only, from the end of the log", async () => {
    const client = new FakeKurrentDbClient();
    client.writeOther('thing-before', 'Old');
    const wake = new WakeSignal();
    const rings = counter(wake);
    const feed = startWakeFeed({ client, namespace: streamNamespace(), wake, retryDelayMs: 10 });
    await settle();
    expect(rings.rings).toBe(0);
    client.writeOther('$stats-fake', '$statsCollected');
    client.writeOther('NotALedgerStream', 'Whatever');
    await settle();
    expect(rings.rings).toBe(0);
    client.writeOther('thing-1', 'ThingHappened');
    await settle();
    expect(rings.rings).toBe(1);
    await feed.close();
    rings.stop();
  });

  it('subscribes again after the subscription breaks, ringing once for what it may have missed', async () => {
    const client = new FakeKurrentDbClient();
    const wake = new WakeSignal();
    const rings = counter(wake);
    const feed = startWakeFeed({ client, namespace: streamNamespace('t1'), wake, retryDelayMs: 10 });
    await settle();
    client.breakLiveSubscriptions(new Error('connection reset'));
    await settle();
    expect(rings.rings).toBe(1);
    expect(client.liveSubscriptions).toBe(1);
    client.writeOther('t1.thing-1', 'ThingHappened');
    await settle();
    expect(rings.rings).toBe(2);
    await feed.close();
    expect(client.liveSubscriptions).toBe(0);
    rings.stop();
  });
});
