import { sql, type Kysely } from 'kysely';
import type { LogPosition } from '@pz/contracts';
import type { CatalogueTables } from '@pz/projections';
import { lastListingChange, parseCheckpoint } from './catalogue-checkpoint';
import { productRowsQuery, type ProductRow } from './product-rows';

/** What changed in the catalogue after a position, as far as product lists are concerned. */
export interface ListingChanges {
  /** Where the last change that may change which products a list shows happened (see the catalogue's listing-columns.ts); null if never. */
  readonly listingChangedAt: LogPosition | null;
  /** The current rows of the products whose rows changed after the position; null when there are too many to be worth reading. */
  readonly changedRows: ReadonlyMap<number, ProductRow> | null;
}

const MAX_ROWS = 200;

/**
 * Reads the rows of the products changed after `since` together with when lists last changed,
 * in one statement (one snapshot), so that kept listings can be brought up to date rather than
 * read again. When no product changed, the statement has no row to carry the listing position,
 * which is then read on its own: a later snapshot can only show a later listing change, which
 * makes the cache forget more, never less.
 */
export async function readListingChanges(db: Kysely<CatalogueTables>, since: LogPosition): Promise<ListingChanges> {
  const rows = await productRowsQuery(db)
    .select(lastListingChange().as('listing_changed'))
    .where(sql<boolean>`(products.changed_commit, products.changed_prepare) > (${since.commit.toString()}::bigint, ${since.prepare.toString()}::bigint)`)
    .limit(MAX_ROWS + 1)
    .execute();
  const first = rows[0];
  const listingText = first ? first.listing_changed : ((await db.selectNoFrom(lastListingChange().as('listing_changed')).executeTakeFirst())?.listing_changed ?? null);
  return {
    listingChangedAt: parseCheckpoint(listingText),
    changedRows: rows.length > MAX_ROWS ? null : new Map(rows.map(({ listing_changed: _, ...row }) => [row.id, row])),
  };
}
