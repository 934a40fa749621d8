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

interface EdgeRow {
  readonly product_id: number;
  readonly parent_id: number;
  readonly source: string;
  readonly run_id: string | null;
}

interface Reach {
  /** Each product reached (the start excluded), with its fewest steps from the start. */
  readonly depths: Map<number, number>;
  /** Every edge leaving the start or a product reached less than `depth` steps away, ordered by (product, parent, source). */
  readonly edges: EdgeRow[];
}

type Row = [number, number, string, string | null];

/**
 * The products reached from `start` in one direction, read from the closure table (one indexed
 * range of rows), and the edges leaving the start and the products it reached (to a depth d:
 * those at most d - 1 steps away, since the last step's ends are shown, not walked from):
 * exactly the edges among the products shown on that side. One statement answering one JSON
 * document (`n`: [product, distance] pairs; `e`: edges in order): thousands of rows cost far
 * more to hand over than one value, on PGlite most of all (docs/benchmarks.md, "Provenance").
 */
async function reach(db: Kysely<ProvenanceTables>, start: number, direction: 'ancestors' | 'descendants', depth: number | null): Promise<Reach> {
  const [self, other] = direction === 'ancestors' ? ['descendant_id', 'ancestor_id'] : ['ancestor_id', 'descendant_id'];
  const from = direction === 'ancestors' ? 'product_id' : 'parent_id';
  const within = depth === null ? sql`` : sql` AND depth <= ${depth}`;
  const walked = depth === null ? sql`SELECT id FROM reached` : sql`SELECT id FROM reached WHERE depth < ${depth}`;
  const answer = await sql<{ doc: { n: [number, number][] | null; e: Row[] | null } }>`WITH reached AS MATERIALIZED (
      SELECT ${sql.ref(other)} AS id, depth FROM provenance_closure WHERE ${sql.ref(self)} = ${start} AND ${sql.ref(other)} <> ${start}${within}
    )
    SELECT json_build_object(
      'n', (SELECT json_agg(json_build_array(id, depth)) FROM reached),
      'e', (SELECT json_agg(json_build_array(e.product_id, e.parent_id, e.source, e.run_id) ORDER BY e.product_id, e.parent_id, e.source)
            FROM provenance_edges e WHERE e.${sql.ref(from)} = ${start} OR e.${sql.ref(from)} IN (${walked}))
    ) AS doc`.execute(db);
  const doc = answer.rows[0]?.doc;
  return {
    depths: new Map(doc?.n ?? []),
    edges: (doc?.e ?? []).map(([product_id, parent_id, source, run_id]) => ({ product_id, parent_id, source, run_id })),
  };
}

/** The lineage of `start`: products reached in `direction`, and every edge between the products shown. */
export async function lineageOf(db: Kysely<ProvenanceTables>, start: number, direction: Direction, depth: number = MAX_DEPTH): Promise<Lineage> {
  const bound = depth >= MAX_DEPTH ? null : Math.max(1, depth);
  const none: Reach = { depths: new Map(), edges: [] };
  const upward = direction !== 'descendants' ? await reach(db, start, 'ancestors', bound) : none;
  const downward = direction !== 'ancestors' ? await reach(db, start, 'descendants', bound) : none;
  const [up, down] = [upward.edges, downward.edges];
  const above = new Set(upward.depths.keys());
  const below = new Set(downward.depths.keys());
  // Both directions: an edge from a descendant straight to an ancestor is a shortcut past the start; it is true, so it is shown.
  const across = above.size && below.size
    ? await db.selectFrom('provenance_edges').select(['product_id', 'parent_id', 'source', 'run_id']).where('product_id', 'in', [...below]).where('parent_id', 'in', [...above]).execute()
    : [];
  const depths = new Map(upward.depths);
  for (const [id, d] of downward.depths) depths.set(id, Math.min(d, depths.get(id) ?? d));
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

/** Whether making `productId` derive from `parents` would close a cycle: the parents' ancestry (or a parent itself) reaching it. */
export async function derivationCycle(db: Kysely<ProvenanceTables>, productId: number, parents: readonly number[]): Promise<number | null> {
  if (parents.includes(productId)) return productId;
  const below = await db.selectFrom('provenance_closure').select('descendant_id').where('ancestor_id', '=', productId).where(sql<boolean>`descendant_id = ANY(${[...parents]}::int[])`).execute();
  const descendants = new Set(below.map((r) => Number(r.descendant_id)));
  return parents.find((p) => descendants.has(p)) ?? null;
}
