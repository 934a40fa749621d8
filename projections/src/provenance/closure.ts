import { sql, type Kysely } from 'kysely';
import type { ProvenanceTables } from './tables';

/**
 * The transitive closure of the derivation graph, kept beside its edges: one row per
 * (ancestor, descendant) with the shortest distance between them. A function of the edges
 * alone (a product derives from a parent if any edge, declared or run, says so), so keeping it
 * in step is state based: each change of edges compares the parents of the products it touched
 * before and after, and an unchanged graph changes nothing (a replayed event is harmless).
 *
 * - Parents only added: every ancestor of a new parent (and the parent) becomes an ancestor of
 *   the child and of each of its descendants, at the sum of the distances (kept if shorter).
 * - A parent removed: the rows of the child and of its descendants are dropped and computed
 *   again from their parents' rows, parents first (and, for a cycle that slipped in, relaxed
 *   until nothing shortens).
 */

export type Parents = Map<number, Set<number>>;

/** The parents (through any edge) of each of `children`, as the edges are now. */
export async function parentsOf(db: Kysely<ProvenanceTables>, children: Iterable<number>): Promise<Parents> {
  const ids = [...new Set(children)];
  const parents: Parents = new Map(ids.map((id) => [id, new Set<number>()]));
  if (!ids.length) return parents;
  const rows = await db.selectFrom('provenance_edges').select(['product_id', 'parent_id']).where(sql<boolean>`product_id = ANY(${ids}::int[])`).execute();
  for (const r of rows) parents.get(Number(r.product_id))?.add(Number(r.parent_id));
  return parents;
}

/** Brings the closure in step with the edges, given the parents the changed products had before the change. */
export async function syncClosure(db: Kysely<ProvenanceTables>, before: Parents): Promise<void> {
  const after = await parentsOf(db, before.keys());
  const added = new Map<number, number[]>();
  let removed = false;
  for (const [child, was] of before) {
    const now = after.get(child) ?? new Set<number>();
    for (const p of was) if (!now.has(p)) removed = true;
    const fresh = [...now].filter((p) => !was.has(p));
    if (fresh.length) added.set(child, fresh);
  }
  if (removed) {
    await recompute(db, [...before.keys()]);
    return;
  }
  for (const [child, parents] of added) await addParents(db, child, parents);
}

/** Each ancestor of a new parent (and the parent) above the child and each of its descendants. */
async function addParents(db: Kysely<ProvenanceTables>, child: number, parents: readonly number[]): Promise<void> {
  await sql`INSERT INTO provenance_closure (ancestor_id, descendant_id, depth)
    SELECT a.id, d.id, MIN(a.depth + 1 + d.depth)
    FROM (SELECT p AS id, 0 AS depth FROM unnest(${parents}::int[]) AS p
          UNION ALL SELECT ancestor_id, depth FROM provenance_closure WHERE descendant_id = ANY(${parents}::int[])) a
    CROSS JOIN (SELECT ${child}::int AS id, 0 AS depth
          UNION ALL SELECT descendant_id, depth FROM provenance_closure WHERE ancestor_id = ${child}) d
    GROUP BY a.id, d.id
    ON CONFLICT (ancestor_id, descendant_id) DO UPDATE SET depth = EXCLUDED.depth WHERE EXCLUDED.depth < provenance_closure.depth`.execute(db);
}

/** The rows of `products` and of their descendants computed again from the edges. */
async function recompute(db: Kysely<ProvenanceTables>, products: readonly number[]): Promise<void> {
  const below = await sql<{ id: number }>`SELECT DISTINCT descendant_id AS id FROM provenance_closure WHERE ancestor_id = ANY(${products}::int[])`.execute(db);
  const affected = [...new Set([...products, ...below.rows.map((r) => Number(r.id))])];
  await sql`DELETE FROM provenance_closure WHERE descendant_id = ANY(${affected}::int[])`.execute(db);
  const parents = await parentsOf(db, affected);
  // Parents first: a product is ready once none of its parents is still waiting.
  const waiting = new Map<number, number>();
  const children = new Map<number, number[]>();
  for (const [child, of] of parents) {
    let count = 0;
    for (const p of of) {
      if (!parents.has(p)) continue;
      count++;
      const list = children.get(p);
      if (list) list.push(child);
      else children.set(p, [child]);
    }
    waiting.set(child, count);
  }
  let level = [...waiting].filter(([, n]) => n === 0).map(([id]) => id);
  const done = new Set<number>();
  while (level.length) {
    await fromParents(db, level);
    const next: number[] = [];
    for (const id of level) {
      done.add(id);
      for (const c of children.get(id) ?? []) {
        const n = (waiting.get(c) ?? 0) - 1;
        waiting.set(c, n);
        if (n === 0) next.push(c);
      }
    }
    level = next;
  }
  // Left over: products on or below a cycle. Relax until no distance shortens (at most one round per product).
  const cyclic = affected.filter((id) => !done.has(id));
  for (let round = 0; cyclic.length && round <= cyclic.length; round++) {
    if ((await fromParents(db, cyclic)) === 0) break;
  }
}

/** Inserts (or shortens) the rows of `products` from their parents' rows; returns how many rows changed. */
async function fromParents(db: Kysely<ProvenanceTables>, products: readonly number[]): Promise<number> {
  const changed = await sql<{ one: number }>`INSERT INTO provenance_closure (ancestor_id, descendant_id, depth)
    SELECT x.ancestor_id, x.descendant_id, MIN(x.depth) FROM (
      SELECT e.parent_id AS ancestor_id, e.product_id AS descendant_id, 1 AS depth FROM provenance_edges e WHERE e.product_id = ANY(${products}::int[])
      UNION ALL
      SELECT c.ancestor_id, e.product_id, c.depth + 1 FROM provenance_edges e JOIN provenance_closure c ON c.descendant_id = e.parent_id
      WHERE e.product_id = ANY(${products}::int[])
    ) x GROUP BY x.ancestor_id, x.descendant_id
    ON CONFLICT (ancestor_id, descendant_id) DO UPDATE SET depth = EXCLUDED.depth WHERE EXCLUDED.depth < provenance_closure.depth
    RETURNING 1 AS one`.execute(db);
  return changed.rows.length;
}
