import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { RecordedEvent } from '@pz/contracts';
import { migrate } from '@pz/database';
import { testBackends, type TestDatabase } from '@pz/database/testing';
import { provenanceProjection, type ProvenanceTables } from '@pz/projections';
import { lineageOf, type Direction } from './lineage-query';

const NODES = 60;

/** Declarations made and replaced on a random acyclic graph, as the projection receives them. */
function declarations(): RecordedEvent[] {
  let a = 42;
  const random = () => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return a / 2147483648;
  };
  const events: RecordedEvent[] = [];
  for (let i = 0; i < 160; i++) {
    const child = 2 + Math.floor(random() * (NODES - 1));
    const parents = Array.from({ length: Math.floor(random() * 4) }, () => 1 + Math.floor(random() * (child - 1)));
    events.push({
      id: `e${i}`, streamName: `product-${child}`, revision: 0n, position: { commit: BigInt(i + 1), prepare: 0n }, type: 'ProductDerivationDeclared', data: { productId: child, derivedFrom: parents },
      metadata: { actor: { kind: 'user', userId: 1, username: 'ana' }, client: { kind: 'token' }, correlationId: 'c', causationId: 'c', schemaVersion: 1, previousEventHash: '', recordedAt: '2025-01-01T00:00:00.000Z' },
    });
  }
  return events;
}

type Edge = { product_id: number; parent_id: number; source: string };

/** The lineage by breadth-first search over the edges: what the recursive walk answered before the closure table. */
function reference(edges: readonly Edge[], start: number, direction: Direction, depth: number | null) {
  const side = (dir: 'ancestors' | 'descendants') => {
    const [from, to] = dir === 'ancestors' ? (['product_id', 'parent_id'] as const) : (['parent_id', 'product_id'] as const);
    const depths = new Map<number, number>();
    let frontier = [start];
    for (let d = 1; frontier.length && (depth === null || d <= depth); d++) {
      const next: number[] = [];
      for (const id of frontier) for (const e of edges) if (e[from] === id && e[to] !== start && !depths.has(e[to])) { depths.set(e[to], d); next.push(e[to]); }
      frontier = next;
    }
    const walked = new Set([start, ...[...depths].filter(([, d]) => depth === null || d < depth).map(([id]) => id)]);
    return { depths, edges: edges.filter((e) => walked.has(e[from])) };
  };
  const up = direction !== 'descendants' ? side('ancestors') : { depths: new Map<number, number>(), edges: [] };
  const down = direction !== 'ancestors' ? side('descendants') : { depths: new Map<number, number>(), edges: [] };
  const across = edges.filter((e) => down.depths.has(e.product_id) && up.depths.has(e.parent_id));
  const depths = new Map(up.depths);
  for (const [id, d] of down.depths) depths.set(id, Math.min(d, depths.get(id) ?? d));
  const lines = new Set([...up.edges, ...down.edges, ...across].map((e) => `${e.product_id}<-${e.parent_id} ${e.source}`));
  return { depths: [...depths].sort((x, y) => x[0] - y[0]), edges: [...lines].sort() };
}

for (const backend of testBackends()) {
  describe(`lineage query (${backend.name})`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await backend.open();
      await migrate(db, provenanceProjection.name, provenanceProjection.migrations);
      await provenanceProjection.apply(db.kysely, declarations());
    }, 60_000);
    afterAll(async () => db.drop());

    it('answers each product, direction and depth as a breadth-first search over the edges does', async () => {
      const edges = (await sql<Edge>`SELECT product_id, parent_id, source FROM provenance_edges`.execute(db.kysely)).rows;
      expect(edges.length).toBeGreaterThan(60);
      let deep = 0;
      for (let start = 1; start <= NODES; start++) {
        for (const direction of ['ancestors', 'descendants', 'both'] as const) {
          for (const depth of [null, 1, 2, 3]) {
            const got = await lineageOf(db.kysely.withTables<ProvenanceTables>(), start, direction, depth ?? undefined);
            const want = reference(edges, start, direction, depth);
            const answer = { depths: [...got.depths].sort((x, y) => x[0] - y[0]), edges: got.edges.map((e) => `${e.productId}<-${e.parentId} ${e.source}`).sort() };
            expect(answer, `${start} ${direction} ${depth}`).toEqual(want);
            if (depth === null && want.depths.some(([, d]) => d > 3)) deep++;
          }
        }
      }
      // Walks longer than the bounded depths were compared too.
      expect(deep).toBeGreaterThan(5);
    }, 120_000);
  });
}
