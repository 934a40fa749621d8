import type { Kysely } from 'kysely';
import type { CatalogueTables, ProvenanceTables } from '@pz/projections';
import { visibleProductIds, type Viewer } from '../visibility/product-visibility';
import { lineageOf, type Direction, type LineageEdge } from './lineage-query';

/** A product in a lineage answer, as the viewer may see it: in full, or as a placeholder. */
export type GraphNode =
  | {
      readonly node_id: string;
      readonly redacted: false;
      readonly product_id: number;
      readonly depth: number;
      readonly internal_name: string;
      readonly display_name: string;
      readonly product_type: string;
      readonly owner: string;
      readonly official_product: boolean;
      readonly status: number;
    }
  | { readonly node_id: string; readonly redacted: true; readonly depth: number };

export interface GraphEdge {
  /** The derived product's node. */
  readonly from: string;
  /** The node it was derived from. */
  readonly to: string;
  readonly relation: 'wasDerivedFrom';
  readonly via: 'declared' | 'run';
  readonly run_id: string | null;
}

export interface GraphRun {
  readonly run_id: string;
  readonly pipeline: string;
  readonly pipeline_version: string;
  readonly display_name: string;
  readonly status: string;
  readonly used: string[];
  readonly generated: string | null;
  readonly requested_at: string;
  readonly started_at: string | null;
  readonly ended_at: string | null;
  readonly agent: string | null;
}

export interface ProvenanceGraph {
  readonly product_id: number;
  readonly direction: Direction;
  readonly depth: number | null;
  readonly nodes: GraphNode[];
  readonly edges: GraphEdge[];
  readonly runs: GraphRun[];
}

export interface LineageDbs {
  readonly catalogue: Kysely<CatalogueTables>;
  readonly provenance: Kysely<ProvenanceTables>;
}

export const productNodeId = (id: number) => `product-${id}`;

/**
 * The lineage of a product the viewer may see. Every product on it that the viewer may not see
 * (visibility/product-visibility.ts decides) is a `redacted-<n>` placeholder: its place in the
 * graph is kept, its id, name, owner and contents are not. Runs show only when their output may
 * be seen, and name a redacted input by its placeholder.
 */
export async function provenanceGraph(dbs: LineageDbs, viewer: Viewer, productId: number, direction: Direction, depth: number | null): Promise<ProvenanceGraph> {
  return (await lineageView(dbs, viewer, productId, direction, depth)).graph;
}

/** The graph, with what the PROV export needs beside it: which products are visible and the node id of each product reached. */
export interface LineageView {
  readonly graph: ProvenanceGraph;
  readonly visible: ReadonlySet<number>;
  readonly nodeIds: ReadonlyMap<number, string>;
  readonly edges: readonly LineageEdge[];
}

export async function lineageView({ catalogue, provenance }: LineageDbs, viewer: Viewer, productId: number, direction: Direction, depth: number | null): Promise<LineageView> {
  const lineage = await lineageOf(provenance, productId, direction, depth ?? undefined);
  const reached = [...lineage.depths.entries()].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  const visible = await visibleProductIds(catalogue, viewer, reached.map(([id]) => id));
  visible.add(productId);
  let redactions = 0;
  const nodeIds = new Map<number, string>([[productId, productNodeId(productId)]]);
  for (const [id] of reached) nodeIds.set(id, visible.has(id) ? productNodeId(id) : `redacted-${(redactions += 1)}`);
  const nodeOf = (id: number) => nodeIds.get(id) ?? 'redacted-0';

  const shown = [...visible];
  const rows = await catalogue
    .selectFrom('products')
    .select(['id', 'internal_name', 'display_name', 'product_type_name', 'owner_username', 'official_product', 'status'])
    .where('id', 'in', shown)
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const nodes: GraphNode[] = [[productId, 0] as const, ...reached].map(([id, d]) => {
    const row = visible.has(id) ? byId.get(id) : undefined;
    if (!row) return { node_id: nodeOf(id), redacted: true, depth: d };
    return { node_id: nodeOf(id), redacted: false, product_id: id, depth: d, internal_name: row.internal_name, display_name: row.display_name, product_type: row.product_type_name, owner: row.owner_username, official_product: row.official_product, status: row.status };
  });

  const runIds = new Set(lineage.edges.filter((e) => e.runId !== null && visible.has(e.productId)).map((e) => e.runId as string));
  const edges: GraphEdge[] = lineage.edges.map((e) => ({
    from: nodeOf(e.productId), to: nodeOf(e.parentId), relation: 'wasDerivedFrom', via: e.source,
    run_id: e.runId !== null && runIds.has(e.runId) ? e.runId : null,
  }));
  const runRows = runIds.size ? await provenance.selectFrom('provenance_runs').selectAll().where('run_id', 'in', [...runIds]).orderBy('requested_at').execute() : [];
  // Inputs off the walked side (a descendant's other inputs) are named when visible, else `redacted`.
  const offGraph = runRows.flatMap((r) => r.inputs).filter((id) => !nodeIds.has(id));
  const visibleOffGraph = await visibleProductIds(catalogue, viewer, offGraph);
  const runs = runRows.map((r): GraphRun => ({
    run_id: r.run_id, pipeline: r.pipeline, pipeline_version: r.pipeline_version, display_name: r.display_name, status: r.status,
    used: r.inputs.map((id) => (nodeIds.has(id) ? nodeOf(id) : visibleOffGraph.has(id) ? productNodeId(id) : 'redacted')),
    generated: r.output_product_id === null ? null : nodeOf(r.output_product_id),
    requested_at: r.requested_at.toISOString(), started_at: r.started_at?.toISOString() ?? null, ended_at: r.ended_at?.toISOString() ?? null,
    agent: r.username,
  }));
  return { graph: { product_id: productId, direction, depth, nodes, edges, runs }, visible, nodeIds, edges: lineage.edges };
}
