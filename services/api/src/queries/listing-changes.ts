import { sql, type Kysely } from 'kysely';
import { comparePositions, type LogPosition } from '@pz/contracts';
import type { CatalogueTables } from '@pz/projections';
import { parseCheckpoint } from './catalogue-checkpoint';
import { productRowsQuery, type ProductRow } from './product-rows';

/** What changed in the catalogue after a position, as far as product lists are concerned. */
export interface ListingChanges {
  /** Where the last change that may change which products a list shows happened (see the catalogue's listing-columns.ts); null if never. */
  readonly listingChangedAt: LogPosition | null;
  /** Products whose rows changed after the position; null when there are too many to be worth naming. */
  readonly changedProducts: ReadonlySet<number> | null;
  /** The rows now, in the same snapshot, of the changed products that `shown` asked for (none when lists changed anyway). */
  readonly rows: ReadonlyMap<number, ProductRow>;
}

const MAX_NAMED = 5_000;

/**
 * Reads, in one snapshot (a repeatable-read transaction): when lists last changed, which
 * products' rows changed after `since`, and the current rows of those among them that `shown`
 * (the products kept listings show) asks for, so that kept listings can be brought up to date
 * rather than read again.
 */
export async function readListingChanges(db: Kysely<CatalogueTables>, since: LogPosition, shown: (productId: number) => boolean): Promise<ListingChanges> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const result = await sql<{ listing_changed: string | null; changed: number[] }>`
        SELECT (SELECT commit_position::text || '/' || prepare_position::text FROM catalogue_listing_changes WHERE id = 1) AS listing_changed,
               ARRAY(SELECT id FROM products WHERE (changed_commit, changed_prepare) > (${since.commit.toString()}::bigint, ${since.prepare.toString()}::bigint) LIMIT ${MAX_NAMED + 1}) AS changed`.execute(trx);
      const row = result.rows[0];
      if (!row) throw new Error('reading listing changes returned no row');
      const listingChangedAt = parseCheckpoint(row.listing_changed);
      const changedProducts = row.changed.length > MAX_NAMED ? null : new Set(row.changed.map(Number));
      const listsChanged = changedProducts === null || (listingChangedAt !== null && comparePositions(listingChangedAt, since) > 0);
      const wanted = listsChanged ? [] : [...changedProducts].filter(shown);
      const rows = wanted.length ? await productRowsQuery(trx).where('products.id', 'in', wanted).execute() : [];
      return { listingChangedAt, changedProducts, rows: new Map(rows.map((r) => [r.id, r])) };
    });
}
