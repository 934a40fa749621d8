import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { RecordedEvent } from '@pz/contracts';
import { migrate } from '@pz/database';
import { testBackends, type TestDatabase } from '@pz/database/testing';
import { provenanceProjection } from './provenance-projection';

/** A small deterministic generator (mulberry32), so that a failing seed can be replayed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let sequence = 0;
const recorded = (type: string, data: object): RecordedEvent => {
  sequence++;
  return {
    id: `e${sequence}`, streamName: 's', revision: 0n, position: { commit: BigInt(sequence), prepare: 0n }, type, data,
    metadata: { actor: { kind: 'user', userId: 1, username: 'ana' }, client: { kind: 'token' }, correlationId: 'c', causationId: 'c', schemaVersion: 1, previousEventHash: '', recordedAt: new Date(Date.UTC(2025, 0, 1)).toISOString() },
  };
};
const declared = (productId: number, derivedFrom: number[]) => recorded('ProductDerivationDeclared', { productId, derivedFrom });
const runRequested = (runId: string, inputs: number[], outputProductId: number | null) => recorded('PipelineRunRequested', { runId, pipeline: 'p', inputs, outputProductId });
const runSucceeded = (runId: string, generatedProductId: number) => recorded('PipelineRunSucceeded', { runId, generatedProductId });

/** The closure by breadth-first search over the edges (each product's ancestors with the fewest steps), as sorted `ancestor>descendant:depth` lines. */
async function expectedClosure(db: TestDatabase): Promise<string[]> {
  const edges = await sql<{ product_id: number; parent_id: number }>`SELECT DISTINCT product_id, parent_id FROM provenance_edges`.execute(db.kysely);
  const parents = new Map<number, number[]>();
  for (const e of edges.rows) parents.set(e.product_id, [...(parents.get(e.product_id) ?? []), e.parent_id]);
  const lines: string[] = [];
  for (const start of parents.keys()) {
    const seen = new Map<number, number>();
    let frontier = [start];
    for (let d = 1; frontier.length; d++) {
      const next: number[] = [];
      for (const id of frontier) for (const p of parents.get(id) ?? []) if (!seen.has(p)) { seen.set(p, d); next.push(p); }
      frontier = next;
    }
    for (const [a, d] of seen) lines.push(`${a}>${start}:${d}`);
  }
  return lines.sort();
}

async function actualClosure(db: TestDatabase): Promise<string[]> {
  const rows = await sql<{ line: string }>`SELECT ancestor_id || '>' || descendant_id || ':' || depth AS line FROM provenance_closure`.execute(db.kysely);
  return rows.rows.map((r) => r.line).sort();
}

/** Random declarations (added, replaced, cleared parents) and runs (outputs moved between request and end) on `nodes` products. */
function randomEvents(seed: number, nodes: number, count: number, cycles: boolean): RecordedEvent[] {
  const random = generator(seed);
  const pick = (below: number) => 1 + Math.floor(random() * below);
  const events: RecordedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const child = 1 + pick(nodes - 1);
    // Parents among lower ids keep the graph acyclic; with `cycles`, now and then any product.
    const parent = () => (cycles && random() < 0.1 ? pick(nodes) : pick(child - 1));
    const roll = random();
    if (roll < 0.55) events.push(declared(child, Array.from({ length: Math.floor(random() * 4) }, parent)));
    else if (roll < 0.7) events.push(declared(child, []));
    else {
      const runId = `r${seed}-${i}`;
      const inputs = Array.from({ length: 1 + Math.floor(random() * 3) }, parent);
      if (random() < 0.5) events.push(runRequested(runId, inputs, child));
      else {
        // Requested naming one output, ended naming another: the first output loses the run's edges.
        const other = 1 + pick(nodes - 1);
        events.push(runRequested(runId, inputs.filter((p) => p < Math.min(child, other) || cycles), other), runSucceeded(runId, child));
      }
    }
  }
  return events;
}

for (const backend of testBackends()) {
  describe(`provenance closure (${backend.name})`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await backend.open();
      await migrate(db, provenanceProjection.name, provenanceProjection.migrations);
    });
    afterAll(async () => {
      await db.drop();
    });
    const reset = async () => {
      for (const table of provenanceProjection.tables) await sql`DELETE FROM ${sql.table(table)}`.execute(db.kysely);
    };

    for (const [label, cycles] of [['acyclic graphs', false], ['graphs where cycles slipped in', true]] as const) {
      it(`equals a breadth-first search over the edges after every addition and removal (${label})`, async () => {
        for (const seed of [1, 2, 3]) {
          await reset();
          const events = randomEvents(seed + (cycles ? 100 : 0), 30, 90, cycles);
          let removals = 0;
          for (const [n, event] of events.entries()) {
            const before = (await actualClosure(db)).length;
            await provenanceProjection.apply(db.kysely, [event]);
            if ((await actualClosure(db)).length < before) removals++;
            expect(await actualClosure(db), `seed ${seed}, after event ${n} (${event.type} ${JSON.stringify(event.data)})`).toEqual(await expectedClosure(db));
          }
          // The scenario did exercise both paths: rows added, and rows taken away by a removal.
          expect(removals).toBeGreaterThan(3);
          expect((await actualClosure(db)).length).toBeGreaterThan(20);
        }
      }, 120_000);
    }

    it('is the same applied a page at a time or event by event, and unchanged by a replayed event', async () => {
      const events = randomEvents(7, 40, 150, false);
      await reset();
      await provenanceProjection.apply(db.kysely, events);
      const paged = await actualClosure(db);
      expect(paged).toEqual(await expectedClosure(db));
      // Replaying declarations the read model already holds (state based: nothing changes).
      await provenanceProjection.apply(db.kysely, events.slice(-20).filter((e) => e.type === 'ProductDerivationDeclared'));
      await reset();
      for (const event of events) await provenanceProjection.apply(db.kysely, [event]);
      expect(await actualClosure(db)).toEqual(paged);
    }, 120_000);
  });
}
