export { ProjectorFenced, checkpointsChannel, createProjector, type Projector, type ProjectorOptions, type ProjectorStatus } from './projector';
export type { Projection } from './projection';
export { LISTING_COLUMNS, catalogueProjection, type CatalogueTables } from './catalogue/index';
export { provenanceProjection, runChangeOf, RUN_EVENT_TYPES, type ProvenanceTables, type RunChange } from './provenance/index';
