import { GENESIS_HASH, type NewEvent, type RecordedEvent } from '@pz/contracts';
import { describe, expect, it } from 'vitest';
import { eventHash } from '../hash-chain';
import { verifyStream } from '../verify-ledger';
import { repeatedEventId } from '../append-guard';
import { chainEvents, findExisting, toEventData } from './append-plan';
import { toRecordedEvent } from './mapping';

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;

const newEvent = (n: number, data: unknown = { n }): NewEvent => ({
  id: uuid(n),
  type: 'ThingHappened',
  schemaVersion: 1,
  data,
  metadata: {
    actor: { kind: 'user', userId: 1, username: 'alice' },
    client: { kind: 'cli' },
    correlationId: `corr-${n}`,
    causationId: `cause-${n}`,
    recordedAt: '2026-01-01T00:00:00.000Z',
  },
});

/** What the client sends and the server gives back: JSON text, parsed. */
function throughTheStore(streamName: string, events: ReturnType<typeof chainEvents>, firstRevision: bigint): RecordedEvent[] {
  return events.map((chained, index) => {
    const sent = toEventData(chained);
    return toRecordedEvent(
      {
        id: sent.id,
        streamId: `ns.${streamName}`,
        revision: firstRevision + BigInt(index),
        type: sent.type,
        data: JSON.parse(JSON.stringify(sent.data)) as unknown,
        metadata: JSON.parse(JSON.stringify(sent.metadata)) as unknown,
        position: { commit: 100n * BigInt(index + 1), prepare: 100n * BigInt(index + 1) },
      },
      streamName,
    );
  });
}

describe('chainEvents', () => {
  it('links the first event of a stream to the genesis hash and each next one to the hash before it', () => {
    const chained = chainEvents('thing-1', [newEvent(1), newEvent(2)], -1n, GENESIS_HASH);
    expect(chained[0]?.metadata).toMatchObject({ schemaVersion: 1, previousEventHash: GENESIS_HASH, correlationId: 'corr-1' });
    expect(chained[1]?.metadata.previousEventHash).toBe(chained[0]?.hash);
  });

  it('continues from the previous hash at the revision after the one read', () => {
    const chained = chainEvents('thing-1', [newEvent(3)], 4n, 'b'.repeat(64));
    expect(chained[0]?.metadata.previousEventHash).toBe('b'.repeat(64));
    const [recorded] = throughTheStore('thing-1', chained, 5n);
    expect(recorded && eventHash(recorded)).toBe(chained[0]?.hash);
  });

  it('hashes what reads back from the store, whatever JSON does to the data', () => {
    const awkward = { z: 1, a: { y: undefined, x: [undefined, -0, 1.5] }, when: new Date(Date.UTC(2026, 0, 2)) };
    const chained = chainEvents('thing-1', [newEvent(1, awkward), newEvent(2, 'text'), newEvent(3, null)], -1n, GENESIS_HASH);
    const recorded = throughTheStore('thing-1', chained, 0n);
    expect(recorded.map((e) => eventHash(e))).toEqual(chained.map((e) => e.hash));
    expect(recorded[0]?.data).toEqual({ z: 1, a: { x: [null, 0, 1.5] }, when: '2026-01-02T00:00:00.000Z' });
    expect(verifyStream('thing-1', recorded)).toBeNull();
  });

  it('hashes the ledger stream name, not the namespaced one the server holds', () => {
    const chained = chainEvents('thing-1', [newEvent(1)], -1n, GENESIS_HASH);
    const [recorded] = throughTheStore('thing-1', chained, 0n);
    expect(recorded?.streamName).toBe('thing-1');
    expect(recorded && eventHash(recorded)).toBe(chained[0]?.hash);
  });

  it('lower-cases event ids, as the store returns them', () => {
    const upper = { ...newEvent(1), id: 'ABCDEF01-0000-4000-8000-000000000001' };
    expect(chainEvents('thing-1', [upper], -1n, GENESIS_HASH)[0]?.id).toBe('abcdef01-0000-4000-8000-000000000001');
  });

  it('sends JSON events with the metadata under the store keys too', () => {
    const data = toEventData(chainEvents('thing-1', [newEvent(1)], -1n, GENESIS_HASH)[0] as ReturnType<typeof chainEvents>[number]);
    expect(data).toMatchObject({ id: uuid(1), contentType: 'application/json', type: 'ThingHappened', data: { n: 1 } });
    expect(data.metadata).toMatchObject({ correlationId: 'corr-1', $correlationId: 'corr-1', causationId: 'cause-1', $causationId: 'cause-1' });
  });
});

describe('repeatedEventId', () => {
  it('finds an id used twice in one append, in any case', () => {
    expect(repeatedEventId([newEvent(1), newEvent(2)])).toBeNull();
    expect(repeatedEventId([newEvent(1), { ...newEvent(2), id: uuid(1).toUpperCase() }])).toBe(uuid(1));
  });
});

describe('findExisting', () => {
  const chained = chainEvents('thing-1', [newEvent(1), newEvent(2), newEvent(3)], -1n, GENESIS_HASH);
  const latestFirst = throughTheStore('thing-1', chained, 0n).reverse();

  it('finds nothing for new events', () => {
    expect(findExisting('thing-1', [newEvent(4)], latestFirst)).toBeNull();
    expect(findExisting('thing-1', [newEvent(4)], [])).toBeNull();
  });

  it('answers a retry with the position of its last event and the stream head, writing nothing', () => {
    const result = findExisting('thing-1', [newEvent(1), newEvent(2)], latestFirst);
    expect(result).toEqual({ ok: true, value: { nextRevision: 2n, position: { commit: 200n, prepare: 200n }, appended: false } });
  });

  it('reports a partial overlap as DUPLICATE_EVENT_ID', () => {
    const result = findExisting('thing-1', [newEvent(2), newEvent(9)], latestFirst);
    expect(result).toMatchObject({ ok: false, error: { code: 'DUPLICATE_EVENT_ID', streamName: 'thing-1' } });
  });

  it('compares ids in any case', () => {
    const result = findExisting('thing-1', [{ ...newEvent(3), id: uuid(3).toUpperCase() }], latestFirst);
    expect(result).toMatchObject({ ok: true, value: { appended: false, position: { commit: 300n } } });
  });
});
