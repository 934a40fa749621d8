import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  GENESIS_HASH,
  comparePositions,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '@pz/contracts';
import { eventHash } from './hash-chain';
import { verifyLedger } from './verify-ledger';

/**
 * The one contract every event-store adapter passes. `open` gives a fresh, empty store and a
 * cleanup; adapters' test files call this with their own factory.
 */
export interface ContractTarget {
  readonly store: EventStore;
  cleanup(): Promise<void>;
}

const metadata = (n = 0) => ({
  actor: { kind: 'user' as const, userId: 1, username: 'alice' },
  client: { kind: 'cli' as const },
  correlationId: `corr-${n}`,
  causationId: `cause-${n}`,
  recordedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
});

export const testEvent = (type = 'ThingHappened', data: Record<string, unknown> = {}, n = 0): NewEvent => ({
  id: randomUUID(),
  type,
  schemaVersion: 1,
  data: { ...data, n },
  metadata: metadata(n),
});

/**
 * The global log shows an event once no transaction that could commit below it is in flight
 * (on a shared server, any test's transaction can hold that back for a moment): wait for it.
 */
async function settled(store: EventStore, position: RecordedEvent['position']): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (comparePositions(await store.headPosition(), position) < 0) {
    if (Date.now() > deadline) throw new Error('the log did not settle within 10 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const stream = (category = 'thing') => `${category}-${randomUUID().slice(0, 8)}`;

async function collect(store: EventStore, count: number, after?: RecordedEvent['position'], eventTypes?: string[]) {
  const seen: RecordedEvent[] = [];
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const sub = store.subscribeToAll({
    after,
    eventTypes,
    onEvent: (e) => {
      seen.push(e);
      if (seen.length >= count) done();
    },
  });
  return {
    seen,
    async until(timeoutMs = 10_000) {
      const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs));
      await Promise.race([finished, timer]);
      await sub.close();
      return seen;
    },
  };
}

export function describeEventStoreContract(label: string, open: () => Promise<ContractTarget>): void {
  describe(`event store contract: ${label}`, () => {
    let target: ContractTarget;
    let store: EventStore;
    beforeEach(async () => {
      target = await open();
      store = target.store;
    });
    afterEach(async () => {
      await target.cleanup();
    });

    it('appends to a new stream and reads it back with metadata and the genesis link', async () => {
      const s = stream();
      const e = testEvent('ThingCreated', { name: 'x', nested: { b: 1, a: [1, 2] } });
      const result = await store.append(s, [e], 'no_stream');
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.value.nextRevision).toBe(0n);
      expect(result.value.appended).toBe(true);
      const events = await store.readStream(s);
      expect(events).toHaveLength(1);
      const [read] = events;
      expect(read?.id).toBe(e.id);
      expect(read?.type).toBe('ThingCreated');
      expect(read?.revision).toBe(0n);
      expect(read?.data).toEqual(e.data);
      expect(read?.metadata).toMatchObject({ ...e.metadata, schemaVersion: 1, previousEventHash: GENESIS_HASH });
      expect(read && comparePositions(read.position, result.value.position)).toBe(0);
    });

    it('enforces the expected revision: no_stream, stream_exists, exact, any', async () => {
      const s = stream();
      const missing = await store.append(s, [testEvent()], 'stream_exists');
      expect(missing.ok ? null : missing.error).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', actual: -1n, streamName: s });
      expect((await store.append(s, [testEvent(), testEvent()], 'no_stream')).ok).toBe(true);
      const again = await store.append(s, [testEvent()], 'no_stream');
      expect(again.ok ? null : again.error).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', actual: 1n });
      const stale = await store.append(s, [testEvent()], 0n);
      expect(stale.ok ? null : stale.error).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', expected: 0n, actual: 1n });
      const exact = await store.append(s, [testEvent()], 1n);
      expect(exact.ok && exact.value.nextRevision).toBe(2n);
      expect((await store.append(s, [testEvent()], 'stream_exists')).ok).toBe(true);
      const any = await store.append(s, [testEvent()], 'any');
      expect(any.ok && any.value.nextRevision).toBe(4n);
      expect((await store.readStream(s)).map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
    });

    it('is idempotent by event id: a retried append writes nothing new', async () => {
      const s = stream();
      const batch = [testEvent('A'), testEvent('B')];
      const first = await store.append(s, batch, 'no_stream');
      const retry = await store.append(s, batch, 'no_stream');
      expect(first.ok && retry.ok).toBe(true);
      if (!first.ok || !retry.ok) return;
      expect(retry.value.appended).toBe(false);
      expect(comparePositions(retry.value.position, first.value.position)).toBe(0);
      expect(await store.readStream(s)).toHaveLength(2);
      const partial = await store.append(s, [batch[0] as NewEvent, testEvent('C')], 'any');
      expect(partial.ok ? null : partial.error).toMatchObject({ code: 'DUPLICATE_EVENT_ID' });
      expect(await store.readStream(s)).toHaveLength(2);
    });

    it('rejects invalid stream names and empty appends', async () => {
      const bad = await store.append('no category', [testEvent()], 'any');
      expect(bad.ok ? null : bad.error.code).toBe('INVALID_STREAM_NAME');
      const empty = await store.append(stream(), [], 'any');
      expect(empty.ok ? null : empty.error.code).toBe('EMPTY_APPEND');
    });

    it('refuses an append that repeats an event id, and records nothing of it', async () => {
      const s = stream();
      const event = testEvent('A', {}, 1);
      for (const expected of ['any', 'no_stream'] as const) {
        const twice = await store.append(s, [event, { ...event, type: 'B' }], expected);
        expect(twice.ok ? null : twice.error.code).toBe('DUPLICATE_EVENT_ID');
      }
      expect(await store.readStream(s)).toHaveLength(0);
    });

    it('chains each event to the hash of the previous event of its stream', async () => {
      const s = stream();
      await store.append(s, [testEvent('A', {}, 1), testEvent('B', {}, 2)], 'no_stream');
      await store.append(s, [testEvent('C', {}, 3)], 1n);
      const events = await store.readStream(s);
      expect(events[0]?.metadata.previousEventHash).toBe(GENESIS_HASH);
      for (let i = 1; i < events.length; i++) {
        expect(events[i]?.metadata.previousEventHash).toBe(eventHash(events[i - 1] as RecordedEvent));
      }
      const report = await verifyLedger(store);
      expect(report).toMatchObject({ ok: true, events: 3, streams: 1 });
    });

    it('reads the global log in a strict order, in pages, with a type filter', async () => {
      const streams = [stream(), stream(), stream()];
      let last = undefined as RecordedEvent['position'] | undefined;
      for (let i = 0; i < 12; i++) {
        const r = await store.append(streams[i % 3] as string, [testEvent(i % 2 ? 'Odd' : 'Even', {}, i)], 'any');
        if (r.ok) last = r.value.position;
      }
      if (last) await settled(store, last);
      const whole = await store.readAll({ limit: 100 });
      expect(whole.events.map((e) => (e.data as { n: number }).n)).toEqual([...Array(12).keys()]);
      for (let i = 1; i < whole.events.length; i++) {
        expect(comparePositions((whole.events[i - 1] as RecordedEvent).position, (whole.events[i] as RecordedEvent).position)).toBe(-1);
      }
      const paged: RecordedEvent[] = [];
      let after = undefined as RecordedEvent['position'] | undefined;
      for (;;) {
        const page = await store.readAll({ after, limit: 5 });
        paged.push(...page.events);
        after = page.lastPosition;
        if (page.events.length < 5) break;
      }
      expect(paged.map((e) => e.id)).toEqual(whole.events.map((e) => e.id));
      const odd = await store.readAll({ eventTypes: ['Odd'], limit: 100 });
      expect(odd.events.map((e) => (e.data as { n: number }).n)).toEqual([1, 3, 5, 7, 9, 11]);
      expect(comparePositions(odd.lastPosition, await store.headPosition())).toBe(0);
    });

    it('orders numerically across digit boundaries: one transaction of 25 events, paged by 4', async () => {
      const s = stream();
      const r = await store.append(s, [...Array(25).keys()].map((n) => testEvent('Many', {}, n)), 'no_stream');
      if (!r.ok) throw new Error(r.error.message);
      await settled(store, r.value.position);
      expect((await store.readStream(s)).map((e) => Number(e.revision))).toEqual([...Array(25).keys()]);
      expect((await store.readStream(s, { fromRevision: 8n, limit: 4 })).map((e) => Number(e.revision))).toEqual([8, 9, 10, 11]);
      const seen: number[] = [];
      let after = undefined as RecordedEvent['position'] | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const page = await store.readAll({ after, limit: 4 });
        seen.push(...page.events.map((e) => (e.data as { n: number }).n));
        after = page.lastPosition;
        if (page.events.length < 4) break;
      }
      expect(seen).toEqual([...Array(25).keys()]);
      expect(comparePositions(await store.headPosition(), r.value.position)).toBe(0);
    });

    it('subscribes: catches up from a position, then delivers live events in order', async () => {
      const s = stream();
      await store.append(s, [testEvent('A', {}, 0), testEvent('B', {}, 1)], 'no_stream');
      const [first] = await store.readStream(s);
      const sub = await collect(store, 4, first?.position);
      await store.append(s, [testEvent('C', {}, 2)], 'any');
      await store.append(stream(), [testEvent('D', {}, 3)], 'any');
      await store.append(s, [testEvent('E', {}, 4)], 'any');
      const seen = await sub.until();
      expect(seen.map((e) => e.type)).toEqual(['B', 'C', 'D', 'E']);
    });

    it('subscribes with an event-type filter', async () => {
      const sub = await collect(store, 2, undefined, ['Wanted']);
      await store.append(stream(), [testEvent('Other'), testEvent('Wanted', {}, 1), testEvent('Other')], 'any');
      await store.append(stream(), [testEvent('Wanted', {}, 2)], 'any');
      const seen = await sub.until();
      expect(seen.map((e) => (e.data as { n: number }).n)).toEqual([1, 2]);
    });

    it('keeps revisions contiguous and the chain whole under concurrent writers to one stream', async () => {
      const s = stream();
      const results = await Promise.all([...Array(10).keys()].map((i) => store.append(s, [testEvent('W', {}, i)], 'any')));
      expect(results.every((r) => r.ok)).toBe(true);
      const events = await store.readStream(s);
      expect(events.map((e) => e.revision)).toEqual([...Array(10).keys()].map(BigInt));
      expect((await verifyLedger(store)).ok).toBe(true);
    });

    it('lets exactly one of several writers expecting the same revision win', async () => {
      const s = stream();
      await store.append(s, [testEvent()], 'no_stream');
      const results = await Promise.all([...Array(6).keys()].map((i) => store.append(s, [testEvent('Race', {}, i)], 0n)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      for (const r of results.filter((x) => !x.ok)) expect(r.ok ? null : r.error.code).toBe('WRONG_EXPECTED_REVISION');
      expect(await store.readStream(s)).toHaveLength(2);
    });

    it('lists streams and reports the head position', async () => {
      const a = stream('alpha');
      const b = stream('beta');
      await store.append(a, [testEvent()], 'any');
      const last = await store.append(b, [testEvent()], 'any');
      expect(await store.listStreams()).toEqual(expect.arrayContaining([a, b]));
      if (!last.ok) throw new Error(last.error.message);
      await settled(store, last.value.position);
      expect(comparePositions(await store.headPosition(), last.value.position)).toBe(0);
    });
  });
}
