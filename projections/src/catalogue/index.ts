export { catalogueProjection } from './catalogue-projection';
export type { CatalogueTables } from './tables';
export { LISTING_COLUMNS } from './listing-columns';
