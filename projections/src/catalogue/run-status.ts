import type { Kysely } from 'kysely';
import type { RecordedEvent } from '@pz/contracts';
import type { CatalogueTables } from './tables';

/**
 * The run events that change a pipeline output's `process_status`, and the status each gives
 * (the run decider's own: a finished run records nothing more, so the last event is the status).
 */
export const RUN_STATUS_OF: ReadonlyMap<string, string> = new Map([
  ['PipelineRunRequested', 'Pending'],
  ['PipelineRunStarted', 'Running'],
  ['PipelineRunSucceeded', 'Successful'],
  ['PipelineRunFailed', 'Failed'],
  ['PipelineRunStopped', 'Stopped'],
]);

/** The process id of a run stream (`run-<id>`), or null. */
export const processIdOf = (streamName: string): string | null => /^run-(\d+)$/.exec(streamName)?.[1] ?? null;

/**
 * Sets the run's status on its output product's row, moving the row's change position so that
 * kept product lists show it (the column is not one a list chooses by: listing-columns.ts).
 */
export async function applyRunStatus(db: Kysely<CatalogueTables>, event: RecordedEvent): Promise<void> {
  const status = RUN_STATUS_OF.get(event.type);
  const processId = processIdOf(event.streamName);
  if (status === undefined || processId === null) return;
  await db.updateTable('products')
    .set({ process_status: status, changed_commit: event.position.commit.toString(), changed_prepare: event.position.prepare.toString() })
    .where('process_id', '=', processId)
    .execute();
}
