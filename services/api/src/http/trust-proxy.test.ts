import { describe, expect, it } from 'vitest';
import { fastifyTrustProxy } from './trust-proxy';

describe('fastifyTrustProxy', () => {
  it('trusts exactly the nearest N hops for a hop count', () => {
    const trust = fastifyTrustProxy(1);
    expect(typeof trust).toBe('function');
    if (typeof trust !== 'function') return;
    expect(trust('10.0.0.1', 0)).toBe(true);
    expect(trust('203.0.113.9', 1)).toBe(false);
  });

  it('passes booleans and address lists through', () => {
    expect(fastifyTrustProxy(false)).toBe(false);
    expect(fastifyTrustProxy(true)).toBe(true);
    expect(fastifyTrustProxy(['127.0.0.1'])).toEqual(['127.0.0.1']);
  });
});
