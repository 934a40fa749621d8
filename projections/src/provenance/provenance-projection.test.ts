import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { CURRENT_SCHEMA_VERSION, comparePositions, validateEvent, type EventStore, type LogPosition, type PzEvent } from '@pz/contracts';
import { testBackends, type TestDatabase } from '@pz/database/testing';
import { openPostgresEventStore } from '@pz/ledger/postgres/postgres-event-store';
import { createProjector } from '../projector';
import { provenanceProjection } from './provenance-projection';

const metadata = (n: number) => ({
  actor: { kind: 'user' as const, userId: 1, username: 'ana' },
  client: { kind: 'token' as const },
  correlationId: `c${n}`,
  causationId: `c${n}`,
  recordedAt: new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString(),
});

const registered = (productId: number, derivedFrom: number[]): [string, PzEvent] => [`product-${productId}`, { type: 'ProductRegistered', data: { productId, internalName: `${productId}_p`, displayName: `P${productId}`, productTypeName: 'training_set', releaseName: null, officialProduct: false, pzCode: null, description: null, ownerId: 1, origin: 'Upload', processId: null, derivedFrom, initialStatus: 0 } }];

/** Declared derivations (at registration, replaced later, cleared), and runs that succeed, fail, or name their output only when they end. */
function scenario(): [string, PzEvent][] {
  return [
    registered(1, []), registered(2, [1]), registered(3, [1, 2, 2]), registered(4, []),
    ['product-4', { type: 'ProductDerivationDeclared', data: { productId: 4, derivedFrom: [3] } }],
    ['product-2', { type: 'ProductDerivationDeclared', data: { productId: 2, derivedFrom: [] } }],
    ['run-a', { type: 'PipelineRunRequested', data: { runId: 'a', processId: 1, pipeline: 'combine', pipelineVersion: '1', displayName: 'A', usedConfig: {}, inputs: [1, 4], releaseName: null, outputProductId: 5, inputDetails: [], ownerId: 1, flagsTranslation: null } }],
    registered(5, []),
    ['run-a', { type: 'PipelineRunStarted', data: { runId: 'a', worker: 'w', attempt: 1 } }],
    ['run-a', { type: 'PipelineRunSucceeded', data: { runId: 'a', generatedProductId: 5, pipeline: 'combine', pipelineVersion: '1', inputs: [1, 4], output: { fileId: 1, name: 'output.parquet', sha256: '0000000000000000000000000000000000000000000000000000000000000000', rows: 1, format: 'parquet' }, summary: {} } }],
    ['run-b', { type: 'PipelineRunRequested', data: { runId: 'b', processId: 2, pipeline: 'tsm', pipelineVersion: '2', displayName: 'B', usedConfig: {}, inputs: [2], releaseName: null, outputProductId: 6, inputDetails: [], ownerId: 1, flagsTranslation: null } }],
    ['run-b', { type: 'PipelineRunFailed', data: { runId: 'b', reason: 'no', code: 'RUN_FAILED' } }],
  ];
}

async function snapshot(db: TestDatabase) {
  const edges = await sql<{ row: string }>`SELECT row_to_json(e)::text AS row FROM provenance_edges e ORDER BY product_id, parent_id, source`.execute(db.kysely);
  const runs = await sql<{ row: string }>`SELECT row_to_json(r)::text AS row FROM provenance_runs r ORDER BY run_id`.execute(db.kysely);
  const closure = await sql<{ row: string }>`SELECT ancestor_id || '>' || descendant_id || ':' || depth AS row FROM provenance_closure ORDER BY ancestor_id, descendant_id`.execute(db.kysely);
  return { edges: edges.rows.map((r) => r.row), runs: runs.rows.map((r) => r.row), closure: closure.rows.map((r) => r.row) };
}

for (const backend of testBackends()) {
  describe(`provenance projection (${backend.name})`, () => {
    let log: TestDatabase;
    let store: EventStore;
    let last: LogPosition;
    beforeAll(async () => {
      log = await backend.open();
      store = await openPostgresEventStore(log);
      for (const [n, [stream, event]] of scenario().entries()) {
        expect(validateEvent(event)).toBeNull();
        const r = await store.append(stream, [{ id: randomUUID(), type: event.type, schemaVersion: CURRENT_SCHEMA_VERSION[event.type], data: event.data, metadata: metadata(n) }], 'any');
        if (!r.ok) throw new Error(r.error.message);
        if (!last || comparePositions(r.value.position, last) > 0) last = r.value.position;
      }
    });
    afterAll(async () => {
      await store.close();
      await log.drop();
    });

    const project = async (batchSize: number) => {
      const fresh = await backend.open();
      try {
        const projector = createProjector(fresh, store, [provenanceProjection], { batchSize });
        await projector.start();
        expect(await projector.waitFor(last, 20_000)).toBe(true);
        await projector.stop();
        return await snapshot(fresh);
      } finally {
        await fresh.drop();
      }
    };

    it('holds the declared and run edges and the runs, the same however the log is cut into pages', async () => {
      const one = await project(1);
      const edges = one.edges.map((e) => JSON.parse(e) as { product_id: number; parent_id: number; source: string });
      expect(edges.map((e) => `${e.product_id}<-${e.parent_id} ${e.source}`)).toEqual(['3<-1 declared', '3<-2 declared', '4<-3 declared', '5<-1 run:a', '5<-4 run:a', '6<-2 run:b']);
      const runs = one.runs.map((r) => JSON.parse(r) as { run_id: string; status: string; output_product_id: number; username: string; started_at: string | null });
      expect(runs).toMatchObject([{ run_id: 'a', status: 'succeeded', output_product_id: 5, username: 'ana' }, { run_id: 'b', status: 'failed', output_product_id: 6, started_at: null }]);
      // 3 <- 1, 2; 4 <- 3; 5 <- 1, 4 (run a); 6 <- 2 (run b); 2's declared parent taken away.
      expect(one.closure).toEqual(['1>3:1', '1>4:2', '1>5:1', '2>3:1', '2>4:2', '2>5:3', '2>6:1', '3>4:1', '3>5:2', '4>5:1']);
      expect(await project(5)).toEqual(one);
      expect(await project(1000)).toEqual(one);
    }, 60_000);
  });
}
