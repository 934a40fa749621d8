// The lineage query before the closure table (services/api/src/provenance/lineage-query.ts at 0c4e53d): a recursive walk
// over the edges. Kept only so that bench/lineage.ts compares the two in the same run; the derivation-cycle check is left out.
import { sql, type Kysely } from 'kysely';
import type { ProvenanceTables } from '@pz/projections';

// Same answer shape as the query it is measured against.
import { MAX_DEPTH, type Direction, type Lineage, type LineageEdge } from '../../services/api/src/provenance/lineage-query';

interface EdgeRow {
  readonly product_id: number;
  readonly parent_id: number;
  readonly source: string;
  readonly run_id: string | null;
}

/**
 * The edges walked from `start` in one direction, by one recursive query. To any depth the walk
 * keeps product ids only: UNION drops a product reached before, so each product is visited once
 * (diamonds and any cycle cost nothing more). To a given depth it keeps (product, distance)
 * pairs, bounded by that depth. The same statement returns every edge leaving a product walked,
 * which are exactly the edges among the products shown on that side.
 */
async function walk(db: Kysely<ProvenanceTables>, start: number, direction: 'ancestors' | 'descendants', depth: number | null): Promise<EdgeRow[]> {
  const [from, to] = direction === 'ancestors' ? ['product_id', 'parent_id'] : ['parent_id', 'product_id'];
  const walked = depth === null
    ? sql`WITH RECURSIVE walk(id) AS (
        SELECT ${sql.ref(to)} FROM provenance_edges WHERE ${sql.ref(from)} = ${start}
        UNION
        SELECT e.${sql.ref(to)} FROM provenance_edges e JOIN walk w ON e.${sql.ref(from)} = w.id
      )`
    : sql`WITH RECURSIVE walk(id, depth) AS (
        SELECT ${sql.ref(to)}, 1 FROM provenance_edges WHERE ${sql.ref(from)} = ${start}
        UNION
        SELECT e.${sql.ref(to)}, w.depth + 1 FROM provenance_edges e JOIN walk w ON e.${sql.ref(from)} = w.id WHERE w.depth < ${depth - 1}
      )`;
  // To a depth d, edges leave the products at most d - 1 steps away (the last step's ends are shown, not walked from).
  const rows = await sql<EdgeRow>`${walked}
    SELECT e.product_id, e.parent_id, e.source, e.run_id FROM provenance_edges e
    WHERE e.${sql.ref(from)} = ${start} OR e.${sql.ref(from)} IN (${depth === null ? sql`SELECT id FROM walk` : sql`SELECT id FROM walk WHERE depth < ${depth}`})
    ORDER BY e.product_id, e.parent_id, e.source`.execute(db);
  return rows.rows.map((r) => ({ product_id: Number(r.product_id), parent_id: Number(r.parent_id), source: r.source, run_id: r.run_id }));
}

/** Shortest distance from `start` to each product, walking the edges in one direction (breadth first). */
function distances(start: number, edges: readonly { product_id: number; parent_id: number }[], direction: 'ancestors' | 'descendants', within: ReadonlySet<number>): Map<number, number> {
  const next = new Map<number, number[]>();
  for (const e of edges) {
    const [a, b] = direction === 'ancestors' ? [e.product_id, e.parent_id] : [e.parent_id, e.product_id];
    if (!within.has(b)) continue;
    const list = next.get(a);
    if (list) list.push(b);
    else next.set(a, [b]);
  }
  const depth = new Map<number, number>();
  let frontier = [start];
  for (let d = 1; frontier.length; d++) {
    const following: number[] = [];
    for (const id of frontier) {
      for (const n of next.get(id) ?? []) {
        if (n === start || depth.has(n)) continue;
        depth.set(n, d);
        following.push(n);
      }
    }
    frontier = following;
  }
  return depth;
}

/** The lineage of `start`: products reached in `direction`, and every edge between the products shown. */
export async function lineageOf(db: Kysely<ProvenanceTables>, start: number, direction: Direction, depth: number = MAX_DEPTH): Promise<Lineage> {
  const bound = depth >= MAX_DEPTH ? null : Math.max(1, depth);
  const up = direction !== 'descendants' ? await walk(db, start, 'ancestors', bound) : [];
  const down = direction !== 'ancestors' ? await walk(db, start, 'descendants', bound) : [];
  const above = new Set(up.map((e) => e.parent_id).filter((id) => id !== start));
  const below = new Set(down.map((e) => e.product_id).filter((id) => id !== start));
  // Both directions: an edge from a descendant straight to an ancestor is a shortcut past the start; it is true, so it is shown.
  const across = above.size && below.size
    ? await db.selectFrom('provenance_edges').select(['product_id', 'parent_id', 'source', 'run_id']).where('product_id', 'in', [...below]).where('parent_id', 'in', [...above]).execute()
    : [];
  const depths = distances(start, up, 'ancestors', above);
  for (const [id, d] of distances(start, down, 'descendants', below)) depths.set(id, Math.min(d, depths.get(id) ?? d));
  const seen = new Set<string>();
  const edges: LineageEdge[] = [];
  for (const r of [...up, ...down, ...across]) {
    const key = `${r.product_id} ${r.parent_id} ${r.source}`;
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push({ productId: r.product_id, parentId: r.parent_id, source: r.source === 'declared' ? 'declared' : 'run', runId: r.run_id });
  }
  return { depths, edges };
}

