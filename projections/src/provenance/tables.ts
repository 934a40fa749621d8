import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, string, string>;
type Json<T> = ColumnType<T, string, string>;

/** The provenance read model: the derivation graph of products, and pipeline runs as PROV activities. */
export type ProvenanceTables = {
  /**
   * One row per (product, parent, source). `source` is `declared` for a derivation the owner
   * declared (at registration or later), or `run:<runId>` for a run that used `parent_id` and
   * generated `product_id`. A parent may be both; the graph is the union.
   */
  provenance_edges: {
    product_id: number;
    parent_id: number;
    source: string;
    run_id: string | null;
  };
  /**
   * The transitive closure of the edges (closure.ts): `descendant_id` derives, through one or
   * more edges of any source, from `ancestor_id`; `depth` is the fewest edges between them.
   */
  provenance_closure: {
    ancestor_id: number;
    descendant_id: number;
    depth: number;
  };
  /** A pipeline run: an activity that used its inputs and generated its output product. */
  provenance_runs: {
    run_id: string;
    pipeline: string;
    pipeline_version: string;
    display_name: string;
    inputs: Json<number[]>;
    output_product_id: number | null;
    status: string;
    requested_at: Timestamp;
    started_at: Timestamp | null;
    ended_at: Timestamp | null;
    user_id: number | null;
    username: string | null;
  };
};
