import { describe, expect, it } from 'vitest';
import { WeightedLru } from './weighted-lru';

describe('WeightedLru', () => {
  it('drops the least recently used beyond its entry bound, a get counting as a use', () => {
    const lru = new WeightedLru<string>(2);
    lru.set('a', 'A');
    lru.set('b', 'B');
    lru.get('a');
    lru.set('c', 'C');
    expect([...lru]).toEqual([['a', 'A'], ['c', 'C']]);
  });

  it('drops the oldest until the weights fit, refuses what alone outweighs the bound, and replaces in place', () => {
    const lru = new WeightedLru<string>(10, 10);
    lru.set('a', 'A', 4);
    lru.set('b', 'B', 4);
    lru.replace('a', 'A2');
    expect([...lru]).toEqual([['a', 'A2'], ['b', 'B']]);
    expect(lru.set('c', 'C', 4)).toBe(true);
    expect([...lru].map(([k]) => k)).toEqual(['b', 'c']);
    expect(lru.set('huge', 'H', 11)).toBe(false);
    expect(lru.size).toBe(2);
    lru.delete('b');
    expect(lru.set('d', 'D', 6)).toBe(true);
    expect([...lru].map(([k]) => k)).toEqual(['c', 'd']);
    lru.clear();
    expect(lru.size).toBe(0);
  });
});
