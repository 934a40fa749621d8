import { randomUUID } from 'node:crypto';
import { CURRENT_SCHEMA_VERSION, streamName, type LogPosition, type PzEvent } from '@pz/contracts';
import type { AppDeps } from '../deps';

/** Records a pipeline run's events as the pipelines work will (its command handlers are not on this branch), and waits for the read models. */
export async function recordRun(deps: AppDeps, runId: string, user: { userId: number; username: string }, events: readonly PzEvent[]): Promise<LogPosition> {
  const result = await deps.store.append(streamName('run', runId), events.map((e) => ({
    id: randomUUID(), type: e.type, schemaVersion: CURRENT_SCHEMA_VERSION[e.type], data: e.data,
    metadata: { actor: { kind: 'user', userId: user.userId, username: user.username }, client: { kind: 'pipeline' }, correlationId: runId, causationId: runId, recordedAt: new Date().toISOString() },
  })), 'any');
  if (!result.ok) throw new Error(result.error.message);
  await deps.projector.waitFor(result.value.position, 10_000);
  return result.value.position;
}
