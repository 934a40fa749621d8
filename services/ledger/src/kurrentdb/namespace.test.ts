import { describe, expect, it } from 'vitest';
import { streamNamespace } from './namespace';

describe('streamNamespace without a namespace (production)', () => {
  const ns = streamNamespace();
  it('keeps stream names', () => {
    expect(ns.prefix).toBe('');
    expect(ns.toServer('product-7f3a')).toBe('product-7f3a');
    expect(ns.ledgerStreamOf('product-7f3a', 'ProductRegistered')).toBe('product-7f3a');
  });
  it('leaves out system streams, system event types and streams that are not ledger names', () => {
    expect(ns.ledgerStreamOf('$stats-127.0.0.1:2113', '$statsCollected')).toBeNull();
    expect(ns.ledgerStreamOf('$$product-7f3a', '$metadata')).toBeNull();
    expect(ns.ledgerStreamOf('$ce-product', '$>')).toBeNull();
    expect(ns.ledgerStreamOf('product-7f3a', '$metadata')).toBeNull();
    expect(ns.ledgerStreamOf('NoCategory', 'Whatever')).toBeNull();
  });
  it("does not take a test namespace's streams for its own", () => {
    const test = streamNamespace('t0a1b2');
    expect(ns.ledgerStreamOf(test.toServer('thing-1'), 'ThingHappened')).toBeNull();
  });
  it('filters out system events on the server, or keeps only the wanted types for a subscription', () => {
    expect(ns.scanFilter()).toMatchObject({ filterOn: 'eventType', regex: '^[^$].*' });
    expect(ns.subscriptionFilter(undefined)).toMatchObject({ filterOn: 'eventType', regex: '^[^$].*' });
    expect(ns.subscriptionFilter([])).toMatchObject({ filterOn: 'eventType', regex: '^[^$].*' });
    expect(ns.subscriptionFilter(['A', 'B'])).toMatchObject({ filterOn: 'eventType', prefixes: ['A', 'B'] });
  });
});

describe('streamNamespace with a test namespace', () => {
  const ns = streamNamespace('t0a1b2');
  it('prefixes stream names on the server and strips the prefix on the way back', () => {
    expect(ns.toServer('thing-1')).toBe('t0a1b2.thing-1');
    expect(ns.ledgerStreamOf('t0a1b2.thing-1', 'ThingHappened')).toBe('thing-1');
  });
  it('sees neither production streams nor other namespaces', () => {
    expect(ns.ledgerStreamOf('thing-1', 'ThingHappened')).toBeNull();
    expect(ns.ledgerStreamOf('t9.thing-1', 'ThingHappened')).toBeNull();
    expect(ns.ledgerStreamOf('t0a1b2.$odd', 'ThingHappened')).toBeNull();
  });
  it('filters by the stream prefix on the server', () => {
    expect(ns.scanFilter()).toMatchObject({ filterOn: 'streamName', prefixes: ['t0a1b2.'] });
    expect(ns.subscriptionFilter(['A'])).toMatchObject({ filterOn: 'streamName', prefixes: ['t0a1b2.'] });
  });
  it('rejects a namespace that could look like a stream category', () => {
    expect(() => streamNamespace('a-b')).toThrow(/invalid KurrentDB test namespace/);
    expect(() => streamNamespace('')).toThrow();
    expect(() => streamNamespace('$x')).toThrow();
  });
});
