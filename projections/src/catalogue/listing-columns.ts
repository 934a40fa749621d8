import type { CatalogueTables } from './tables';

/**
 * The products columns a product list reads to choose, count and order products: its filters,
 * `search`, orderings and visibility rules (services/api's product-list.ts, whose test checks
 * that it reads no other). A change to one of them, a new product, or a new product type or
 * release may change any list; a change to any other column changes only the rows a list shows
 * of that product. The catalogue records when the last change of the first kind happened
 * (`catalogue_listing_changes`) and, per product, when its row last changed (`changed_commit`,
 * `changed_prepare`), so that kept list answers can outlive changes that cannot affect them.
 */
export const LISTING_COLUMNS = [
  'id', 'internal_name', 'display_name', 'product_type_name', 'release_name', 'official_product',
  'status', 'owner_id', 'owner_username', 'owner_name', 'search_text', 'created_at',
] as const satisfies readonly (keyof CatalogueTables['products'])[];

type ListingValues = { readonly [C in (typeof LISTING_COLUMNS)[number]]: unknown };

/** A product's listing columns as one comparable string (dates as ISO text). */
export const listingSignature = (row: ListingValues): string =>
  JSON.stringify(LISTING_COLUMNS.map((c) => (row[c] instanceof Date ? (row[c] as Date).toISOString() : row[c])));

