import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, comparePositions, type EventStore, type NewEvent, type RecordedEvent } from '@pz/contracts';
import { describeEventStoreContract, testEvent } from '../event-store-contract';
import { eventHash } from '../hash-chain';
import { verifyLedger } from '../verify-ledger';
import { FakeKurrentDbClient } from './fake-kurrentdb-client';
import { createKurrentDbEventStore, type KurrentDbEventStoreOptions } from './kurrentdb-event-store';

// The adapter's logic against an in-memory stand-in for the server: not a substitute for the
// contract run against a real KurrentDB (kurrentdb-event-store.test.ts), which needs EVENTSTORE_URL.

describeEventStoreContract('kurrentdb adapter on an in-memory fake client', async () => {
  const store = await createKurrentDbEventStore(new FakeKurrentDbClient(), { pollIntervalMs: 50 });
  return { store, cleanup: () => store.close() };
});

describeEventStoreContract('kurrentdb adapter in a test namespace, on a fake shared with others and system events', async () => {
  const client = new FakeKurrentDbClient({ systemEventEvery: 3 });
  await seedOthers(client);
  const store = await createKurrentDbEventStore(client, { pollIntervalMs: 50, namespace: freshNamespace(), batchSize: 7 });
  client.writeOther('$stats-fake', '$statsCollected');
  return { store, cleanup: () => store.close() };
});

const freshNamespace = () => `t${randomUUID().replaceAll('-', '')}`;
const stream = (category = 'thing') => `${category}-${randomUUID().slice(0, 8)}`;
const n = (e: RecordedEvent) => (e.data as { n: number }).n;

/** Another namespace's store, a production-named stream and system streams, already on the server. */
async function seedOthers(client: FakeKurrentDbClient) {
  const other = await createKurrentDbEventStore(client, { namespace: freshNamespace() });
  await other.append('thing-other', [testEvent('ThingHappened', {}, 90), testEvent('Odd', {}, 91)], 'any');
  client.writeOther('thing-production', 'Odd');
  client.writeOther('$$thing-production', '$metadata');
  client.writeOther('$ce-thing', '$>');
}

describe('kurrentdb adapter details (fake client)', () => {
  const opened: EventStore[] = [];
  const open = async (client: FakeKurrentDbClient, options: KurrentDbEventStoreOptions = {}) => {
    const store = await createKurrentDbEventStore(client, { pollIntervalMs: 50, ...options });
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  it('stores correlation and causation under $correlationId / $causationId and reads them back without', async () => {
    const client = new FakeKurrentDbClient();
    const store = await open(client);
    const s = stream();
    const event = testEvent('ThingCreated', {}, 1);
    await store.append(s, [event], 'no_stream');
    const stored = client.stored.find((e) => e.streamId === s);
    expect(stored?.metadata).toMatchObject({ correlationId: 'corr-1', $correlationId: 'corr-1', causationId: 'cause-1', $causationId: 'cause-1' });
    const [read] = await store.readStream(s);
    expect(read?.metadata).toEqual({ ...event.metadata, schemaVersion: 1, previousEventHash: GENESIS_HASH });
  });

  it("reports the position of an append's last event as $all has it, not the reply's", async () => {
    const client = new FakeKurrentDbClient();
    const store = await open(client);
    const result = await store.append(stream(), [testEvent('A'), testEvent('B'), testEvent('C')], 'no_stream');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const page = await store.readAll();
    expect(comparePositions(result.value.position, (page.events.at(-1) as RecordedEvent).position)).toBe(0);
  });

  it('recomputes every hash from what the store holds', async () => {
    const store = await open(new FakeKurrentDbClient());
    const s = stream();
    await store.append(s, [testEvent('A', { when: new Date(0), gone: undefined }, 1)], 'no_stream');
    await store.append(s, [testEvent('B', {}, 2)], 0n);
    const [first, second] = await store.readStream(s);
    expect(second?.metadata.previousEventHash).toBe(first && eventHash(first));
    expect(first?.data).toEqual({ when: '1970-01-01T00:00:00.000Z', n: 1 });
    expect(await verifyLedger(store)).toMatchObject({ ok: true, streams: 1, events: 2 });
  });

  it('recognises a retry beyond the idempotency window when part of it is still inside', async () => {
    const store = await open(new FakeKurrentDbClient(), { idempotencyWindow: 2 });
    const s = stream();
    const batch = [testEvent('A', {}, 0), testEvent('B', {}, 1), testEvent('C', {}, 2)];
    const first = await store.append(s, batch, 'no_stream');
    const retry = await store.append(s, batch, 'no_stream');
    expect(retry).toEqual(first.ok ? { ok: true, value: { ...first.value, appended: false } } : null);
  });

  it('rejects an append that repeats an event id, writing nothing', async () => {
    const store = await open(new FakeKurrentDbClient());
    const s = stream();
    const e = testEvent();
    const result = await store.append(s, [e, { ...e, type: 'Other' } satisfies NewEvent], 'any');
    expect(result.ok ? null : result.error.code).toBe('DUPLICATE_EVENT_ID');
    expect(await store.readStream(s)).toEqual([]);
  });

  it('does not let readAll pass trailing system events, so a caught-up reader sits at the head', async () => {
    const client = new FakeKurrentDbClient();
    const store = await open(client);
    await store.append(stream(), [testEvent('A'), testEvent('B')], 'any');
    client.writeOther('$stats-fake', '$statsCollected');
    client.writeOther('$stats-fake', '$statsCollected');
    const page = await store.readAll({ eventTypes: ['A'] });
    expect(page.events.map((e) => e.type)).toEqual(['A']);
    expect(comparePositions(page.lastPosition, await store.headPosition())).toBe(0);
    expect(await store.readAll({ after: page.lastPosition })).toEqual({ events: [], lastPosition: page.lastPosition });
  });

  it('reads a stream from a revision with a limit, and a missing or invalid stream as empty', async () => {
    const store = await open(new FakeKurrentDbClient());
    const s = stream();
    await store.append(s, [0, 1, 2, 3].map((i) => testEvent('E', {}, i)), 'no_stream');
    expect((await store.readStream(s, { fromRevision: 1n, limit: 2 })).map(n)).toEqual([1, 2]);
    expect(await store.readStream(s, { limit: 0 })).toEqual([]);
    expect(await store.readStream(stream())).toEqual([]);
    expect(await store.readStream('$stats-fake')).toEqual([]);
  });

  it('hides other namespaces and production streams from a namespaced store, and the other way round', async () => {
    const client = new FakeKurrentDbClient();
    const production = await open(client);
    await production.append('thing-prod', [testEvent('P')], 'any');
    const test = await open(client, { namespace: freshNamespace() });
    await test.append('thing-test', [testEvent('T')], 'any');
    expect(await test.listStreams()).toEqual(['thing-test']);
    expect((await test.readAll()).events.map((e) => e.streamName)).toEqual(['thing-test']);
    expect(await production.listStreams()).toEqual(['thing-prod']);
    expect((await production.readAll()).events.map((e) => e.type)).toEqual(['P']);
    expect(await test.readStream('thing-prod')).toEqual([]);
  });

  it('wakes subscribers on appends made by another process, through the live feed', async () => {
    const client = new FakeKurrentDbClient();
    const reader = await open(client, { pollIntervalMs: 60_000 });
    const writer = await open(client);
    const seen: string[] = [];
    const sub = reader.subscribeToAll({ onEvent: (e) => void seen.push(e.type) });
    await new Promise((r) => setTimeout(r, 50));
    await writer.append(stream(), [testEvent('Remote')], 'any');
    await until(() => seen.length === 1);
    expect(seen).toEqual(['Remote']);
    await sub.close();
  });

  it('keeps delivering after the live feed breaks, and delivers pages with the filtered position', async () => {
    const client = new FakeKurrentDbClient();
    const reader = await open(client, { pollIntervalMs: 100 });
    const writer = await open(client);
    const pages: { types: string[]; last: RecordedEvent['position'] }[] = [];
    const sub = reader.subscribeToAllPages({
      eventTypes: ['Wanted'],
      onPage: (page) => void (page.events.length > 0 && pages.push({ types: page.events.map((e) => e.type), last: page.lastPosition })),
    });
    await writer.append(stream(), [testEvent('Wanted'), testEvent('Other')], 'any');
    await until(() => pages.length === 1);
    client.breakLiveSubscriptions(new Error('connection reset'));
    await writer.append(stream(), [testEvent('Wanted')], 'any');
    await until(() => pages.length === 2);
    expect(pages.map((p) => p.types)).toEqual([['Wanted'], ['Wanted']]);
    const [, other] = (await reader.readAll()).events;
    expect(other?.type).toBe('Other');
    expect(other && pages[0] && comparePositions(pages[0].last, other.position)).toBe(0);
    await sub.close();
  });

  it('stops a subscription at a failing handler and reports the error', async () => {
    const store = await open(new FakeKurrentDbClient());
    await store.append(stream(), [testEvent('A'), testEvent('B')], 'any');
    const seen: string[] = [];
    const errors: unknown[] = [];
    const sub = store.subscribeToAll({
      onEvent: (e) => {
        seen.push(e.type);
        if (e.type === 'A') throw new Error('handler failed');
      },
      onError: (error) => errors.push(error),
    });
    await until(() => errors.length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(['A']);
    expect(String(errors[0])).toMatch(/handler failed/);
    await sub.close();
  });

  it('closes open subscriptions and its live feed when the store closes', async () => {
    const client = new FakeKurrentDbClient();
    const store = await createKurrentDbEventStore(client, { pollIntervalMs: 50 });
    store.subscribeToAll({ onEvent: () => {} });
    store.subscribeToAllPages({ onPage: () => {} });
    expect(client.liveSubscriptions).toBe(1);
    await store.close();
    expect(client.liveSubscriptions).toBe(0);
  });
});

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
