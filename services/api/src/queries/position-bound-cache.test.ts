import { describe, expect, it } from 'vitest';
import { PositionBoundCache } from './position-bound-cache';

const at = (n: number) => ({ commit: BigInt(n), prepare: BigInt(n) });

describe('PositionBoundCache', () => {
  it('keeps an answer read at the current position until the position moves, either way', () => {
    const cache = new PositionBoundCache<string>(10);
    expect(cache.get('k', at(5))).toBeUndefined();
    expect(cache.put('k', 'v', at(5), at(5))).toBe(true);
    expect(cache.get('k', at(5))).toBe('v');
    expect(cache.get('k', at(6))).toBeUndefined();
    expect(cache.put('k', 'v6', at(6), at(6))).toBe(true);
    // A rebuild starts again from an earlier position: nothing read later may be served.
    expect(cache.get('k', at(2))).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('refuses an answer read in another snapshot than the current position, or after the cache moved on', () => {
    const cache = new PositionBoundCache<string>(10);
    cache.get('x', at(5));
    expect(cache.put('k', 'old', at(4), at(5))).toBe(false);
    expect(cache.put('k', 'unknown', null, at(5))).toBe(false);
    // Read while the cache was at 5, but the projector reached 6 and a lookup moved the cache there.
    cache.get('x', at(6));
    expect(cache.put('k', 'read at 5', at(5), at(5))).toBe(false);
    expect(cache.get('k', at(6))).toBeUndefined();
  });

  it('never keeps anything before a first lookup names the position', () => {
    const cache = new PositionBoundCache<string>(10);
    expect(cache.put('k', 'v', at(1), at(1))).toBe(false);
  });

  it('drops the least recently used answers beyond its entry and weight bounds', () => {
    const cache = new PositionBoundCache<string>(3, 10);
    cache.get('-', at(1));
    cache.put('a', 'A', at(1), at(1));
    cache.put('b', 'B', at(1), at(1));
    cache.put('c', 'C', at(1), at(1));
    cache.get('a', at(1));
    cache.put('d', 'D', at(1), at(1));
    expect([cache.get('a', at(1)), cache.get('b', at(1)), cache.get('c', at(1)), cache.get('d', at(1))]).toEqual(['A', undefined, 'C', 'D']);
    expect(cache.put('heavy', 'H', at(1), at(1), 11)).toBe(false);
    cache.put('ten', 'T', at(1), at(1), 10);
    expect(cache.size).toBe(1);
    expect(cache.get('ten', at(1))).toBe('T');
  });
});
