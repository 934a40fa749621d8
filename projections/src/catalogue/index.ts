export { catalogueProjection } from './catalogue-projection';
export type { CatalogueTables } from './tables';
