import { comparePositions, type LogPosition } from '@pz/contracts';
import type { AuthenticatedCaller } from '../auth/authenticate';
import type { Page } from '../http/pagination';
import type { ListingChanges } from './listing-changes';
import { WeightedLru } from './weighted-lru';
import type { ProductListQuery, ProductListing } from './product-list';
import type { ProductRow } from './product-rows';

/** Bodies kept per listing: the answer as strangers see it, and as a few owners or admins do. */
const MAX_VIEWPOINTS = 3;

/** Bytes a row costs beyond its texts (numbers, dates, short names, the object itself), estimated. */
const ROW_OVERHEAD_BYTES = 600;

/**
 * What keeping `rows` costs, estimated: each row's texts (two bytes a UTF-16 unit) and overhead,
 * and as much again for each body made from them (MAX_VIEWPOINTS): a page of long descriptions
 * weighs what it holds, not one per row.
 */
export function listingBytes(rows: readonly ProductRow[]): number {
  let bytes = 0;
  for (const row of rows) {
    bytes += ROW_OVERHEAD_BYTES;
    for (const value of Object.values(row)) if (typeof value === 'string') bytes += 2 * value.length;
  }
  return bytes * (1 + MAX_VIEWPOINTS);
}

/** A listing kept for the catalogue position it was read at, with its answer as callers saw it. */
export interface CachedListing extends ProductListing {
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

/** A listing cache's state when a request began: what `put` checks the listing against. */
export interface ListingTicket {
  /** Whether kept listings may be served to this request. */
  readonly usable: boolean;
  readonly generation: number;
}

/**
 * Product listings, kept while the catalogue has not changed in a way that could change them.
 * Every kept listing is valid at the cache's position `at`. When the projector moves on, the
 * cache reads once (readListingChanges) what changed after `at`: a change that may change which
 * products a list shows (a listing column, a new product, type or release) forgets every
 * listing; otherwise every listing still shows the same products in the same order with the
 * same count, and those showing a product whose rows changed get that product's new row, read
 * in the same snapshot as the changes; all are then valid at the new position. A position
 * earlier than `at` (a rebuild started again) forgets everything. A listing is kept only if it was read in a snapshot at `at` and
 * nothing moved the cache while it was read. Bounded by listings and by bytes in all
 * (listingBytes; least recently used first out): a bound by rows let pages of 64 KB
 * descriptions hold gigabytes.
 */
export class ListingCache {
  private at: LogPosition | null = null;
  private generation = 0;
  private readonly entries: WeightedLru<CachedListing>;
  private following: { readonly target: LogPosition; readonly done: Promise<void> } | null = null;

  constructor(
    private readonly readChanges: (since: LogPosition) => Promise<ListingChanges>,
    maxEntries = 1000,
    maxBytes = 64 * 1024 ** 2,
  ) {
    this.entries = new WeightedLru(maxEntries, maxBytes);
  }

  /** Brings the cache to the projector's position `current` (one read of the changes per move, shared by concurrent requests). */
  async follow(current: LogPosition): Promise<ListingTicket> {
    if (this.at === null || comparePositions(current, this.at) < 0) {
      this.forgetAll(current);
      return { usable: true, generation: this.generation };
    }
    if (comparePositions(current, this.at) > 0) {
      if (!this.following || comparePositions(this.following.target, current) < 0) {
        const since = this.at;
        const following = {
          target: current,
          done: this.readChanges(since).then(
            (changes) => this.advance(since, current, changes),
            () => this.forgetAll(current),
          ),
        };
        this.following = following;
        void following.done.finally(() => {
          if (this.following === following) this.following = null;
        });
      }
      await this.following.done;
    }
    return { usable: this.at !== null && comparePositions(current, this.at) <= 0, generation: this.generation };
  }

  get(key: string): CachedListing | undefined {
    return this.entries.get(key);
  }

  /**
   * Keeps `listing` if it was read at the cache's position and the cache has not moved since
   * `ticket` was taken; returns it as a cached listing either way, or null when its position is
   * unknown.
   */
  put(key: string, listing: ProductListing, ticket: ListingTicket): CachedListing | null {
    if (!listing.position) return null;
    const cached: CachedListing = { ...listing, owners: new Set(listing.rows.map((r) => r.owner_id)), bodies: new Map() };
    if (ticket.generation === this.generation && this.at !== null && comparePositions(listing.position, this.at) === 0) this.entries.set(key, cached, listingBytes(cached.rows));
    return cached;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Applies what changed after `since` (read up to at least `target`), if it covers everything after the cache's position. */
  private advance(since: LogPosition, target: LogPosition, changes: ListingChanges): void {
    if (this.at === null || comparePositions(since, this.at) > 0 || comparePositions(target, this.at) <= 0) return;
    this.generation++;
    const { listingChangedAt, changedRows } = changes;
    if ((listingChangedAt && comparePositions(listingChangedAt, since) > 0) || changedRows === null) {
      this.forgetAll(target);
      return;
    }
    // Which products these listings show, their order and count are as they were; only the
    // rows of changed products are replaced (and the bodies made from them dropped).
    if (changedRows.size === 0) {
      this.at = target;
      return;
    }
    for (const [key, listing] of this.entries) {
      if (!listing.rows.some((r) => changedRows.has(r.id))) continue;
      const rows = listing.rows.map((r) => changedRows.get(r.id) ?? r);
      this.entries.replace(key, { ...listing, rows, bodies: new Map() }, listingBytes(rows));
    }
    this.at = target;
  }

  private forgetAll(position: LogPosition): void {
    this.generation++;
    this.entries.clear();
    this.at = position;
  }
}

/**
 * What a listing depends on: the query string (every parameter, in a canonical order), what
 * decides which products the caller may see (`viewpoint`: visibilityViewpoint, its groups'
 * restricted releases), and, when deleted products are asked for, who may see which of them.
 * A change of memberships or of a release's access moves the catalogue's listing change
 * (catalogue-projection.ts), which forgets every kept listing.
 */
export function listingKey(query: Readonly<Record<string, string | string[] | undefined>>, parsed: ProductListQuery, page: Page, caller: AuthenticatedCaller, viewpoint: string): string {
  const parameters = Object.entries(query)
    .filter(([name, value]) => value !== undefined && name !== 'page' && name !== 'page_size' && name !== 'format')
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const deleted = !parsed.wantsDeleted ? 'live' : caller.isAdmin ? 'all' : `live+deleted-of-${caller.userId}`;
  return JSON.stringify([parameters, page.limit, page.offset, deleted, viewpoint]);
}
