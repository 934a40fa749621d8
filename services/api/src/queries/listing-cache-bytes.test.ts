import { describe, expect, it } from 'vitest';
import type { LogPosition } from '@pz/contracts';
import type { ListingChanges } from './listing-changes';
import { ListingCache, listingBytes } from './product-list-cache';
import type { ProductRow } from './product-rows';

const at = (n: number): LogPosition => ({ commit: BigInt(n), prepare: BigInt(n) });
const row = (id: number, description: string) => ({ id, owner_id: 1, description, description_html: `<p>${description}</p>` }) as unknown as ProductRow;

describe('ListingCache bounded by bytes', () => {
  it('weighs a page by what its rows hold, so pages of long descriptions cannot pile up past the bound', async () => {
    const long = 'x'.repeat(64_000);
    const pageBytes = listingBytes([row(1, long), row(2, long)]);
    // Two rows of 64,000 characters and their HTML, four copies (rows and up to three bodies).
    expect(pageBytes).toBeGreaterThan(4 * 2 * 2 * 2 * 64_000);
    const cache = new ListingCache(async (): Promise<ListingChanges> => ({ listingChangedAt: null, changedRows: new Map() }), 1000, 3 * pageBytes);
    const ticket = await cache.follow(at(1));
    for (let page = 0; page < 10; page++) cache.put(`page ${page}`, { count: 2, rows: [row(2 * page, long), row(2 * page + 1, long)], position: at(1) }, ticket);
    expect(cache.size).toBe(3);
    expect(cache.get('page 9')).toBeDefined();
    expect(cache.get('page 0')).toBeUndefined();
    // Short rows: many pages fit in the same bytes.
    for (let page = 0; page < 100; page++) cache.put(`short ${page}`, { count: 2, rows: [row(1, 'a'), row(2, 'b')], position: at(1) }, ticket);
    expect(cache.size).toBeGreaterThanOrEqual(100);
  });

  it('re-weighs a kept page when a changed row replaces one of its rows', async () => {
    const grown = new Map([[1, row(1, 'y'.repeat(64_000))]]);
    let changes: ListingChanges = { listingChangedAt: null, changedRows: new Map() };
    const small = listingBytes([row(1, 'a')]);
    const cache = new ListingCache(async () => changes, 1000, 2 * small + listingBytes([row(1, 'y'.repeat(64_000))]) - 1);
    const ticket = await cache.follow(at(1));
    for (let page = 0; page < 3; page++) cache.put(`page ${page}`, { count: 1, rows: [row(page === 0 ? 1 : 10 + page, 'a')], position: at(1) }, ticket);
    expect(cache.size).toBe(3);
    changes = { listingChangedAt: null, changedRows: grown };
    await cache.follow(at(2));
    // page 0 now holds a 64 KB description: the oldest others go to make room.
    expect(cache.get('page 0')?.rows[0]?.description).toHaveLength(64_000);
    expect(cache.size).toBeLessThan(3);
  });
});
