import { describe, expect, it } from 'vitest';
import type { LogPosition } from '@pz/contracts';
import type { ListingChanges } from './listing-changes';
import type { ProductListing } from './product-list';
import { ListingCache } from './product-list-cache';
import type { ProductRow } from './product-rows';

const at = (n: number): LogPosition => ({ commit: BigInt(n), prepare: BigInt(n) });
const row = (id: number, description = `d${id}`) => ({ id, owner_id: 1, description }) as unknown as ProductRow;
const listing = (position: number, ids: number[]): ProductListing => ({ count: ids.length, rows: ids.map((id) => row(id)), position: at(position) });
const none: ListingChanges = { listingChangedAt: null, changedRows: new Map() };

/** A cache whose change reads are answered by hand, in any order. */
function harness() {
  const reads: { since: LogPosition; answer: (c: ListingChanges) => void; fail: () => void }[] = [];
  const cache = new ListingCache(
    (since) =>
      new Promise<ListingChanges>((resolve, reject) => {
        reads.push({ since, answer: resolve, fail: () => reject(new Error('database gone')) });
      }),
  );
  return { cache, reads };
}

describe('ListingCache following the projector', () => {
  it('keeps listings across a move that changed nothing they show, and patches the rows that changed', async () => {
    const { cache, reads } = harness();
    const ticket = await cache.follow(at(5));
    cache.put('a', listing(5, [1, 2]), ticket);
    cache.put('b', listing(5, [3]), ticket);
    const moved = cache.follow(at(7));
    expect(reads).toHaveLength(1);
    reads[0]?.answer({ listingChangedAt: at(1), changedRows: new Map([[2, row(2, 'new')], [9, row(9, 'not shown')]]) });
    expect((await moved).usable).toBe(true);
    expect(cache.get('a')?.rows.map((r) => r.description)).toEqual(['d1', 'new']);
    expect(cache.get('b')?.rows.map((r) => r.id)).toEqual([3]);
  });

  it('forgets everything when a change lists could see happened after its position, or the read failed', async () => {
    const { cache, reads } = harness();
    const ticket = await cache.follow(at(5));
    cache.put('a', listing(5, [1]), ticket);
    const moved = cache.follow(at(6));
    reads[0]?.answer({ ...none, listingChangedAt: at(6) });
    await moved;
    expect(cache.size).toBe(0);
    cache.put('a', listing(6, [1]), await cache.follow(at(6)));
    expect(cache.size).toBe(1);
    const failed = cache.follow(at(8));
    reads[1]?.fail();
    expect((await failed).usable).toBe(true);
    expect(cache.size).toBe(0);
  });

  it('forgets everything when too many products changed to read their rows', async () => {
    const { cache, reads } = harness();
    cache.put('a', listing(5, [1, 2]), await cache.follow(at(5)));
    const moved = cache.follow(at(6));
    reads[0]?.answer({ listingChangedAt: null, changedRows: null });
    await moved;
    expect(cache.get('a')).toBeUndefined();
  });

  it('reads the changes once for all requests at one position', async () => {
    const { cache, reads } = harness();
    await cache.follow(at(1));
    const waiting = [cache.follow(at(2)), cache.follow(at(2)), cache.follow(at(2))];
    expect(reads).toHaveLength(1);
    reads[0]?.answer(none);
    expect((await Promise.all(waiting)).every((t) => t.usable)).toBe(true);
  });

  it('refuses a listing read before the cache moved, and forgets everything when the position goes back (a rebuild)', async () => {
    const { cache, reads } = harness();
    const old = await cache.follow(at(5));
    const moved = cache.follow(at(6));
    reads[0]?.answer(none);
    await moved;
    cache.put('stale', listing(5, [1]), old);
    cache.put('also stale', listing(6, [1]), old);
    expect(cache.size).toBe(0);
    cache.put('a', listing(6, [1]), await cache.follow(at(6)));
    expect(cache.size).toBe(1);
    await cache.follow(at(2));
    expect(cache.size).toBe(0);
    expect(reads).toHaveLength(1);
  });

  it('applies a later read that started from the same position even when an earlier one finished first', async () => {
    const { cache, reads } = harness();
    cache.put('a', listing(5, [1, 2]), await cache.follow(at(5)));
    const first = cache.follow(at(6));
    const second = cache.follow(at(7));
    expect(reads.map((r) => r.since.commit)).toEqual([5n, 5n]);
    reads[0]?.answer(none);
    await first;
    reads[1]?.answer({ ...none, changedRows: new Map([[1, row(1, 'seven')]]) });
    await second;
    expect(cache.get('a')?.rows.map((r) => r.description)).toEqual(['seven', 'd2']);
    cache.put('b', listing(7, [3]), await cache.follow(at(7)));
    expect(cache.get('b')).toBeDefined();
  });
});
