export { provenanceProjection } from './provenance-projection';
export type { ProvenanceTables } from './tables';
export { runChangeOf, RUN_EVENT_TYPES, type RunChange } from './run-events';
