// A product's lineage as GET /api/products/{id}/provenance/ answers it, and its layout as a layered
// DAG: ancestors above the product, descendants below, every edge pointing from a layer to a lower one.

export type GraphNode =
  | { node_id: string; redacted: false; depth: number; product_id: number; internal_name: string; display_name: string; product_type: string; owner: string; official_product: boolean; status: number }
  | { node_id: string; redacted: true; depth: number };

export interface GraphEdge {
  /** The derived product. */
  from: string;
  /** What it was derived from. */
  to: string;
  relation: 'wasDerivedFrom';
  via: 'declared' | 'run';
  run_id: string | null;
}

export interface GraphRun {
  run_id: string;
  pipeline: string;
  pipeline_version: string;
  display_name: string;
  status: string;
  used: string[];
  generated: string | null;
  requested_at: string;
  started_at: string | null;
  ended_at: string | null;
  agent: string | null;
}

export interface ProvenanceGraph {
  product_id: number;
  direction: string;
  depth: number | null;
  nodes: GraphNode[];
  edges: GraphEdge[];
  runs: GraphRun[];
}

export interface PlacedNode {
  node: GraphNode;
  layer: number;
  x: number;
  y: number;
}

export interface PlacedEdge {
  edge: GraphEdge;
  /** The parent's bottom middle. */
  x1: number;
  y1: number;
  /** The derived product's top middle. */
  x2: number;
  y2: number;
}

export interface Layout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 48;
const GAP_X = 30;
const GAP_Y = 80;
const MARGIN = 10;

/** Nodes reachable from `start` following `next`. */
function reachable(start: string, next: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length) {
    const id = queue.shift() as string;
    for (const n of next.get(id) ?? []) {
      if (!seen.has(n) && n !== start) {
        seen.add(n);
        queue.push(n);
      }
    }
  }
  return seen;
}

/**
 * Layers by longest path from the product (0): an ancestor sits above every product derived from
 * it, a descendant below every product it derives from. Within a layer, nodes follow the mean
 * position of their neighbours in the layer before (one barycentre pass), then their id.
 */
export function layoutGraph(graph: Pick<ProvenanceGraph, 'nodes' | 'edges'>, focus: string): Layout {
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const e of graph.edges) {
    parents.set(e.from, [...(parents.get(e.from) ?? []), e.to]);
    children.set(e.to, [...(children.get(e.to) ?? []), e.from]);
  }
  const ancestors = reachable(focus, parents);
  const descendants = reachable(focus, children);
  const layer = new Map<string, number>(graph.nodes.map((n) => [n.node_id, 0]));
  for (let round = 0; round < graph.nodes.length; round += 1) {
    let moved = false;
    for (const e of graph.edges) {
      const child = layer.get(e.from) ?? 0;
      const parent = layer.get(e.to) ?? 0;
      if (ancestors.has(e.to) && parent > child - 1) {
        layer.set(e.to, child - 1);
        moved = true;
      }
      if (descendants.has(e.from) && child < parent + 1) {
        layer.set(e.from, parent + 1);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const layers = [...new Set(layer.values())].sort((a, b) => a - b);
  const rows = layers.map((l) => graph.nodes.filter((n) => layer.get(n.node_id) === l).sort((a, b) => a.node_id.localeCompare(b.node_id, 'en', { numeric: true })));
  const column = new Map<string, number>();
  rows.forEach((row, r) => {
    if (r > 0) {
      const centre = (n: GraphNode) => {
        const near = [...(parents.get(n.node_id) ?? []), ...(children.get(n.node_id) ?? [])].map((id) => column.get(id)).filter((c): c is number => c !== undefined);
        return near.length ? near.reduce((a, b) => a + b, 0) / near.length : Number.MAX_SAFE_INTEGER;
      };
      row.sort((a, b) => centre(a) - centre(b));
    }
    row.forEach((n, i) => column.set(n.node_id, i - (row.length - 1) / 2));
  });
  const widest = Math.max(1, ...rows.map((row) => row.length));
  const width = widest * NODE_WIDTH + (widest - 1) * GAP_X + 2 * MARGIN;
  const height = rows.length * NODE_HEIGHT + Math.max(0, rows.length - 1) * GAP_Y + 2 * MARGIN;
  const placed = new Map<string, PlacedNode>();
  rows.forEach((row, r) => {
    for (const n of row) {
      const c = column.get(n.node_id) ?? 0;
      placed.set(n.node_id, { node: n, layer: layers[r] ?? 0, x: width / 2 + c * (NODE_WIDTH + GAP_X) - NODE_WIDTH / 2, y: MARGIN + r * (NODE_HEIGHT + GAP_Y) });
    }
  });
  const edges = graph.edges.flatMap((edge) => {
    const child = placed.get(edge.from);
    const parent = placed.get(edge.to);
    if (!child || !parent) return [];
    return [{ edge, x1: parent.x + NODE_WIDTH / 2, y1: parent.y + NODE_HEIGHT, x2: child.x + NODE_WIDTH / 2, y2: child.y }];
  });
  return { width, height, nodes: [...placed.values()], edges };
}
