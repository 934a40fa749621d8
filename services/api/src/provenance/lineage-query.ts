import { sql, type Kysely } from 'kysely';
import type { ProvenanceTables } from '@pz/projections';

export type Direction = 'ancestors' | 'descendants' | 'both';

export interface LineageEdge {
  /** The derived product. */
  readonly productId: number;
  /** The product it was derived from. */
  readonly parentId: number;
  readonly source: 'declared' | 'run';
  readonly runId: string | null;
}

export interface Lineage {
  /** Every product reached (the start excluded), with its shortest distance from the start. */
  readonly depths: ReadonlyMap<number, number>;
  readonly edges: readonly LineageEdge[];
}

/** Deepest walk answered: far beyond any real lineage, it bounds the work if a cycle ever slipped in. */
export const MAX_DEPTH = 10_000;

/**
 * Ancestors or descendants of a product to `depth` steps, by one recursive query over the edge
 * table. Each step keeps (product, distance) pairs; UNION drops repeats, so diamonds cost one
 * row per distance and the depth bound ends any cycle.
 */
async function reach(db: Kysely<ProvenanceTables>, start: number, direction: 'ancestors' | 'descendants', depth: number): Promise<Map<number, number>> {
  const [from, to] = direction === 'ancestors' ? ['product_id', 'parent_id'] : ['parent_id', 'product_id'];
  const rows = await sql<{ id: number; depth: number }>`
    WITH RECURSIVE walk(id, depth) AS (
      SELECT ${sql.ref(to)}, 1 FROM provenance_edges WHERE ${sql.ref(from)} = ${start}
      UNION
      SELECT e.${sql.ref(to)}, w.depth + 1 FROM provenance_edges e JOIN walk w ON e.${sql.ref(from)} = w.id WHERE w.depth < ${depth}
    )
    SELECT id, min(depth)::int AS depth FROM walk WHERE id <> ${start} GROUP BY id`.execute(db);
  return new Map(rows.rows.map((r) => [Number(r.id), Number(r.depth)]));
}

/** The lineage of `start`: products reached in `direction`, and every edge between the products shown. */
export async function lineageOf(db: Kysely<ProvenanceTables>, start: number, direction: Direction, depth: number = MAX_DEPTH): Promise<Lineage> {
  const bound = Math.min(Math.max(1, depth), MAX_DEPTH);
  const depths = new Map<number, number>();
  if (direction !== 'descendants') for (const [id, d] of await reach(db, start, 'ancestors', bound)) depths.set(id, d);
  const below = direction !== 'ancestors' ? await reach(db, start, 'descendants', bound) : new Map<number, number>();
  for (const [id, d] of below) depths.set(id, Math.min(d, depths.get(id) ?? d));
  const shown = [start, ...depths.keys()];
  const rows = await db
    .selectFrom('provenance_edges')
    .select(['product_id', 'parent_id', 'source', 'run_id'])
    .where('product_id', 'in', shown)
    .where('parent_id', 'in', shown)
    .orderBy('product_id').orderBy('parent_id').orderBy('source')
    .execute();
  // With both directions, an edge between an ancestor and a descendant is a shortcut past the start: kept, it is true.
  const edges = rows
    .filter((r) => edgeOnWalk(r, start, direction, depths, below))
    .map((r): LineageEdge => ({ productId: r.product_id, parentId: r.parent_id, source: r.source === 'declared' ? 'declared' : 'run', runId: r.run_id }));
  return { depths, edges };
}

/** An edge belongs to the answer when both its ends are on the walked side(s) of the start. */
function edgeOnWalk(edge: { product_id: number; parent_id: number }, start: number, direction: Direction, depths: ReadonlyMap<number, number>, below: ReadonlyMap<number, number>): boolean {
  if (direction === 'both') return true;
  const side = (id: number) => id === start || (direction === 'descendants' ? below.has(id) : depths.has(id));
  return side(edge.product_id) && side(edge.parent_id);
}

/** Whether making `productId` derive from `parents` would close a cycle: the parents' ancestry (or a parent itself) reaching it. */
export async function derivationCycle(db: Kysely<ProvenanceTables>, productId: number, parents: readonly number[]): Promise<number | null> {
  if (parents.includes(productId)) return productId;
  const descendants = await reach(db, productId, 'descendants', MAX_DEPTH);
  return parents.find((p) => descendants.has(p)) ?? null;
}
