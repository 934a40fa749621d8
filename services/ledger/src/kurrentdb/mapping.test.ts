import { StreamNotFoundError, UnavailableError, WrongExpectedVersionError } from '@kurrent/kurrentdb-client';
import { START, type EventMetadata } from '@pz/contracts';
import { describe, expect, it } from 'vitest';
import {
  asStoredJson,
  classifyClientError,
  fromStoredMetadata,
  laterOf,
  streamStateFor,
  toLogPosition,
  toReadPosition,
  toRecordedEvent,
  toStoredMetadata,
} from './mapping';

const metadata: EventMetadata = {
  actor: { kind: 'user', userId: 1, username: 'alice' },
  client: { kind: 'web' },
  correlationId: 'corr-1',
  causationId: 'cause-1',
  recordedAt: '2026-01-01T00:00:00.000Z',
  schemaVersion: 2,
  previousEventHash: 'a'.repeat(64),
};

describe('positions', () => {
  it('maps the client position field for field, both ways', () => {
    expect(toLogPosition({ commit: 12n, prepare: 10n })).toEqual({ commit: 12n, prepare: 10n });
    expect(toReadPosition({ commit: 12n, prepare: 10n })).toEqual({ commit: 12n, prepare: 10n });
  });
  it("reads from the client's start for the port's START", () => {
    expect(toReadPosition(START)).toBe('start');
  });
  it('takes the later of two positions', () => {
    expect(laterOf({ commit: 5n, prepare: 5n }, { commit: 5n, prepare: 4n })).toEqual({ commit: 5n, prepare: 5n });
    expect(laterOf(START, { commit: 1n, prepare: 1n })).toEqual({ commit: 1n, prepare: 1n });
  });
});

describe('streamStateFor', () => {
  it('pins an append to the revision that was read, or to no stream', () => {
    expect(streamStateFor(-1n)).toBe('no_stream');
    expect(streamStateFor(0n)).toBe(0n);
    expect(streamStateFor(41n)).toBe(41n);
  });
});

describe('metadata', () => {
  it("stores correlation and causation under the store's own $ keys too", () => {
    expect(toStoredMetadata(metadata)).toEqual({ ...metadata, $correlationId: 'corr-1', $causationId: 'cause-1' });
  });
  it('reads back exactly the metadata that was hashed', () => {
    const wire = JSON.parse(JSON.stringify(toStoredMetadata(metadata))) as unknown;
    expect(fromStoredMetadata(wire, 'e1')).toEqual(metadata);
  });
  it('keeps any other field as stored, so that tampering shows in verification', () => {
    const wire = { ...toStoredMetadata(metadata), extra: 1 };
    expect(fromStoredMetadata(wire, 'e1')).toEqual({ ...metadata, extra: 1 });
  });
  it('rejects metadata that is not a JSON object', () => {
    expect(() => fromStoredMetadata(undefined, 'e1')).toThrow(/e1 has no JSON object as metadata/);
    expect(() => fromStoredMetadata(new Uint8Array([1]), 'e1')).toThrow(/not written by this ledger/);
    expect(() => fromStoredMetadata([1], 'e1')).toThrow();
  });
});

describe('asStoredJson', () => {
  it('is what JSON will give back: no undefined, dates as text', () => {
    expect(asStoredJson({ a: undefined, b: [undefined], d: new Date(0) })).toEqual({ b: [null], d: '1970-01-01T00:00:00.000Z' });
    expect(asStoredJson(undefined)).toBeNull();
    expect(asStoredJson('x')).toBe('x');
  });
});

describe('toRecordedEvent', () => {
  const record = {
    id: '6f1c2a80-0000-4000-8000-000000000001',
    streamId: 'ns.thing-1',
    revision: 3n,
    type: 'ThingHappened',
    data: { n: 1 },
    metadata: toStoredMetadata(metadata),
    position: { commit: 900n, prepare: 900n },
  };
  it("gives the port's event under the ledger's stream name", () => {
    expect(toRecordedEvent(record, 'thing-1')).toEqual({
      id: record.id,
      streamName: 'thing-1',
      revision: 3n,
      position: { commit: 900n, prepare: 900n },
      type: 'ThingHappened',
      data: { n: 1 },
      metadata,
    });
  });
  it('refuses an event without a position (a server older than 22.6)', () => {
    expect(() => toRecordedEvent({ ...record, position: undefined }, 'thing-1')).toThrow(/22\.6/);
  });
});

describe('classifyClientError', () => {
  it('recognises the client errors the adapter turns into values', () => {
    const conflict = new WrongExpectedVersionError(undefined, { streamName: 's-1', expected: 1n, current: 2n });
    expect(classifyClientError(conflict)).toBe('wrong_expected_version');
    expect(classifyClientError(new StreamNotFoundError(undefined, 's-1'))).toBe('stream_not_found');
  });
  it('leaves everything else to be thrown', () => {
    expect(classifyClientError(new UnavailableError())).toBe('other');
    expect(classifyClientError(new Error('boom'))).toBe('other');
    expect(classifyClientError('boom')).toBe('other');
    expect(classifyClientError(null)).toBe('other');
  });
});
