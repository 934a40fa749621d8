import type { LogPosition } from '@pz/contracts';
import type { AuthenticatedCaller } from '../auth/authenticate';
import type { Page } from '../http/pagination';
import { PositionBoundCache } from './position-bound-cache';
import type { ProductListQuery, ProductListing } from './product-list';

/** Bodies kept per listing: the answer as strangers see it, and as a few owners or admins do. */
const MAX_VIEWPOINTS = 3;

/** A listing kept for the catalogue position it was read at, with its answer as callers saw it. */
export interface CachedListing extends ProductListing {
  readonly position: LogPosition;
  /** Owners of the page's products: the callers for whom `is_owner` / `can_*` differ. */
  readonly owners: ReadonlySet<number>;
  /**
   * The answer serialised and UTF-8 encoded, per viewpoint (viewpointOf), made on first use and
   * sent as these bytes: serialising or encoding a 100-row page for every answer was most of
   * what a kept answer cost.
   */
  readonly bodies: Map<string, Buffer>;
}

/**
 * What a caller's answer depends on: the product JSON differs between callers only in
 * `is_owner` / `can_update` / `can_delete`, that is whether they own a product on the page and
 * whether they are an admin. Callers with the same viewpoint get the same bytes.
 */
export const viewpointOf = (listing: CachedListing, caller: AuthenticatedCaller): string =>
  `${caller.isAdmin ? 'admin' : 'user'}:${listing.owners.has(caller.userId) ? caller.userId : 'owns-none'}`;

/** The body for `viewpoint`, kept on the listing when made (up to MAX_VIEWPOINTS of them). */
export function bodyFor(listing: CachedListing, viewpoint: string, make: () => Buffer): Buffer {
  const kept = listing.bodies.get(viewpoint);
  if (kept) return kept;
  const body = make();
  if (listing.bodies.size < MAX_VIEWPOINTS) listing.bodies.set(viewpoint, body);
  return body;
}

/**
 * Product listings, kept for the catalogue position they were read at (PositionBoundCache),
 * bounded at `maxEntries` listings and `maxRows` rows in all.
 */
export class ListingCache {
  private readonly kept: PositionBoundCache<CachedListing>;

  constructor(maxEntries = 1000, maxRows = 20_000) {
    this.kept = new PositionBoundCache(maxEntries, maxRows);
  }

  /** The listing for `key` read at `current`, if there is one. */
  get(key: string, current: LogPosition): CachedListing | undefined {
    return this.kept.get(key, current);
  }

  /**
   * Keeps `listing` if it was read at `current` and the cache is still at `current` (it may have
   * moved on while the listing was read); returns it as a cached listing either way, or null
   * when its position is unknown.
   */
  put(key: string, listing: ProductListing, current: LogPosition): CachedListing | null {
    if (!listing.position) return null;
    const cached: CachedListing = { ...listing, position: listing.position, owners: new Set(listing.rows.map((r) => r.owner_id)), bodies: new Map() };
    this.kept.put(key, cached, listing.position, current, Math.max(1, cached.rows.length));
    return cached;
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
