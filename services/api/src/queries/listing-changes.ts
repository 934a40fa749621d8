import { sql, type Kysely } from 'kysely';
import type { LogPosition } from '@pz/contracts';
import type { CatalogueTables } from '@pz/projections';
import { parseCheckpoint } from './catalogue-checkpoint';

/** What changed in the catalogue after a position, as far as product lists are concerned. */
export interface ListingChanges {
  /** Where the last change that may change which products a list shows happened (see the catalogue's listing-columns.ts); null if never. */
  readonly listingChangedAt: LogPosition | null;
  /** Products whose rows changed after the position; null when there are too many to be worth naming. */
  readonly changedProducts: ReadonlySet<number> | null;
}

const MAX_NAMED = 5_000;

/** Reads, in one snapshot, when lists last changed and which products' rows changed after `since`. */
export async function readListingChanges(db: Kysely<CatalogueTables>, since: LogPosition): Promise<ListingChanges> {
  const result = await sql<{ listing_changed: string | null; changed: number[] }>`
    SELECT (SELECT commit_position::text || '/' || prepare_position::text FROM catalogue_listing_changes WHERE id = 1) AS listing_changed,
           ARRAY(SELECT id FROM products WHERE (changed_commit, changed_prepare) > (${since.commit.toString()}::bigint, ${since.prepare.toString()}::bigint) LIMIT ${MAX_NAMED + 1}) AS changed`.execute(db);
  const row = result.rows[0];
  if (!row) throw new Error('reading listing changes returned no row');
  return { listingChangedAt: parseCheckpoint(row.listing_changed), changedProducts: row.changed.length > MAX_NAMED ? null : new Set(row.changed.map(Number)) };
}
