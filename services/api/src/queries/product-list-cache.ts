import { comparePositions, type LogPosition } from '@pz/contracts';
import type { AuthenticatedCaller } from '../auth/authenticate';
import type { Page } from '../http/pagination';
import type { ProductJson } from '../serializers/product';
import type { ProductListQuery, ProductListing } from './product-list';

/** A listing kept for the catalogue position it was read at, with its answer as most callers see it. */
export interface CachedListing extends ProductListing {
  readonly position: LogPosition;
  /** Owners of the page's products: the callers for whom `is_owner` / `can_*` differ. */
  readonly owners: ReadonlySet<number>;
  /** The answer for a caller who owns none of the page and is not an admin, and its serialised body; made on first use. */
  stranger?: { readonly answer: { readonly count: number; readonly results: ProductJson[] }; readonly body: string | null };
}

/**
 * Product listings, kept only while the catalogue is at the position they were read at. The
 * catalogue changes only through the projector, whose checkpoint moves with every committed
 * page of events, so a listing read at checkpoint P is exactly what a query would read while
 * the projector is still at P. Every lookup names the projector's current position; any other
 * position (later, or earlier after a rebuild) forgets every entry. A listing is stored only
 * when the checkpoint read in its own snapshot is the current position, and the cache's. Bounded
 * by entries and by rows (least recently used first out).
 */
export class ListingCache {
  private position: LogPosition | null = null;
  private readonly entries = new Map<string, CachedListing>();
  private rows = 0;

  constructor(
    private readonly maxEntries = 1000,
    private readonly maxRows = 20_000,
  ) {}

  /** The listing for `key` read at `current`, if there is one. */
  get(key: string, current: LogPosition): CachedListing | undefined {
    this.moveTo(current);
    const found = this.entries.get(key);
    if (!found) return undefined;
    this.entries.delete(key);
    this.entries.set(key, found);
    return found;
  }

  /**
   * Keeps `listing` if it was read at `current` and the cache is still at `current` (it may have
   * moved on while the listing was read); returns it as a cached listing either way, or null
   * when its position is unknown.
   */
  put(key: string, listing: ProductListing, current: LogPosition): CachedListing | null {
    if (!listing.position) return null;
    const cached: CachedListing = { ...listing, position: listing.position, owners: new Set(listing.rows.map((r) => r.owner_id)) };
    const atCurrent = this.position !== null && comparePositions(current, this.position) === 0 && comparePositions(listing.position, current) === 0;
    if (!atCurrent || listing.rows.length > this.maxRows) return cached;
    this.forget(key);
    this.entries.set(key, cached);
    this.rows += cached.rows.length;
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.rows <= this.maxRows) break;
      this.forget(oldest);
    }
    return cached;
  }

  private moveTo(current: LogPosition): void {
    if (this.position && comparePositions(current, this.position) === 0) return;
    this.entries.clear();
    this.rows = 0;
    this.position = current;
  }

  private forget(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.rows -= old.rows.length;
  }
}

/**
 * What a listing depends on: the query string (every parameter, in a canonical order) and,
 * when deleted products are asked for, who may see which of them.
 */
export function listingKey(query: Readonly<Record<string, string | string[] | undefined>>, parsed: ProductListQuery, page: Page, caller: AuthenticatedCaller): string {
  const parameters = Object.entries(query)
    .filter(([name, value]) => value !== undefined && name !== 'page' && name !== 'page_size' && name !== 'format')
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const visibility = !parsed.wantsDeleted ? 'live' : caller.isAdmin ? 'all' : `live+deleted-of-${caller.userId}`;
  return JSON.stringify([parameters, page.limit, page.offset, visibility]);
}
