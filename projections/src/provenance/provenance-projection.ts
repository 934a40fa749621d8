import { sql, type Kysely } from 'kysely';
import type { RecordedEvent } from '@pz/contracts';
import type { Projection } from '../projection';
import { parentsOf, syncClosure } from './closure';
import { provenanceMigrations } from './migrations';
import { RUN_EVENT_TYPES, runChangeOf } from './run-events';
import type { ProvenanceTables } from './tables';

/**
 * The provenance read model: derivation edges between products (declared by owners, or made by
 * pipeline runs), their transitive closure (closure.ts), and the runs themselves. Ancestors and
 * descendants are answered from the closure (services/api/src/provenance/lineage-query.ts).
 */
export const provenanceProjection: Projection = {
  name: 'provenance',
  // 2: the closure table (rebuilt from the log on start).
  version: 2,
  eventTypes: ['ProductRegistered', 'ProductDerivationDeclared', ...RUN_EVENT_TYPES],
  tables: ['provenance_closure', 'provenance_edges', 'provenance_runs'],
  migrations: provenanceMigrations,
  apply: async (db, events) => {
    const tables = db.withTables<ProvenanceTables>();
    // The closure statements join ranges of a table that grows fast during a rebuild, before any
    // statistics: PostgreSQL then guesses huge costs and JIT-compiles each statement, which
    // costs far more than running it (100 ms an event). For this transaction only.
    await sql`SELECT set_config('jit', 'off', true)`.execute(db);
    for (const event of events) await applyEvent(tables, event);
  },
};

const DECLARED = 'declared';

async function declare(db: Kysely<ProvenanceTables>, productId: number, parents: readonly number[]): Promise<void> {
  const before = await parentsOf(db, [productId]);
  await db.deleteFrom('provenance_edges').where('product_id', '=', productId).where('source', '=', DECLARED).execute();
  const unique = [...new Set(parents)].filter((p) => p !== productId);
  if (unique.length) await db.insertInto('provenance_edges').values(unique.map((parent_id) => ({ product_id: productId, parent_id, source: DECLARED, run_id: null }))).execute();
  await syncClosure(db, before);
}

async function applyEvent(db: Kysely<ProvenanceTables>, event: RecordedEvent): Promise<void> {
  if (event.type === 'ProductRegistered' || event.type === 'ProductDerivationDeclared') {
    const d = event.data as { productId: number; derivedFrom: number[] };
    // A first registration with no parents has nothing to replace.
    if (event.type === 'ProductRegistered' && d.derivedFrom.length === 0) return;
    await declare(db, d.productId, d.derivedFrom);
    return;
  }
  const change = runChangeOf(event);
  if (!change) return;
  const at = event.metadata.recordedAt;
  const actor = event.metadata.actor;
  switch (change.kind) {
    case 'requested': {
      await db.insertInto('provenance_runs').values({
        run_id: change.runId, pipeline: change.pipeline, pipeline_version: change.pipelineVersion, display_name: change.displayName,
        inputs: JSON.stringify(change.inputs), output_product_id: change.output, status: 'requested', requested_at: at,
        started_at: null, ended_at: null, user_id: actor.userId, username: actor.username,
      }).onConflict((oc) => oc.column('run_id').doNothing()).execute();
      if (change.output !== null) await linkRun(db, change.runId, change.output, change.inputs);
      return;
    }
    case 'started':
      await db.updateTable('provenance_runs').set({ status: 'started', started_at: at }).where('run_id', '=', change.runId).execute();
      return;
    case 'ended': {
      const run = await db.selectFrom('provenance_runs').select(['inputs', 'output_product_id']).where('run_id', '=', change.runId).executeTakeFirst();
      if (!run) return;
      const output = change.output ?? run.output_product_id;
      await db.updateTable('provenance_runs').set({ status: change.status, ended_at: at, output_product_id: output }).where('run_id', '=', change.runId).execute();
      if (output !== null && output !== run.output_product_id) await linkRun(db, change.runId, output, run.inputs);
      return;
    }
  }
}

/** The run's output was derived from each of its inputs (used → generated). */
async function linkRun(db: Kysely<ProvenanceTables>, runId: string, output: number, inputs: readonly number[]): Promise<void> {
  const source = `run:${runId}`;
  // The run's edges may have led to another output before (one named when it was requested, another when it ended).
  const earlier = await db.selectFrom('provenance_edges').select('product_id').where('source', '=', source).execute();
  const before = await parentsOf(db, [output, ...earlier.map((r) => Number(r.product_id))]);
  await db.deleteFrom('provenance_edges').where('source', '=', source).execute();
  const parents = [...new Set(inputs)].filter((p) => p !== output);
  if (parents.length) await db.insertInto('provenance_edges').values(parents.map((parent_id) => ({ product_id: output, parent_id, source, run_id: runId }))).execute();
  await syncClosure(db, before);
}
