import type { PzEvent, RecordedEvent } from '@pz/contracts';
import { fold, runDecider, type RunState } from '@pz/domain';
import type { Job } from '@pz/jobs';
import type { AuthenticatedCaller } from '../auth/authenticate';
import { pipelineByName } from './definitions';
import { runLog, type RunLogLine } from './run-log';

export interface RunRecord {
  readonly state: RunState;
  readonly log: readonly RunLogLine[];
  readonly requestedAt: string | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
}

/** The run as its events tell it, with the instants they were recorded at. */
export function runRecord(recorded: readonly RecordedEvent[]): RunRecord {
  const state = fold(runDecider, recorded.map((e) => ({ type: e.type, data: e.data }) as PzEvent));
  const at = (type: string, which: 'first' | 'last' = 'first') => {
    const matching = recorded.filter((e) => e.type === type);
    return (which === 'first' ? matching[0] : matching.at(-1))?.metadata.recordedAt ?? null;
  };
  const ended = recorded.find((e) => e.type === 'PipelineRunSucceeded' || e.type === 'PipelineRunFailed' || e.type === 'PipelineRunStopped');
  return { state, log: runLog(recorded), requestedAt: at('PipelineRunRequested'), startedAt: at('PipelineRunStarted', 'last'), endedAt: ended?.metadata.recordedAt ?? null };
}

const seconds = (from: string | null, to: string | null): number | null => (from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : null);

/**
 * A process as the reference API shows one (`status` Pending/Running/Successful/Failed/Stopped,
 * `upload` = the output product), with timings, the progress so far and a readable error.
 */
export function processJson(processId: number, record: RunRecord, caller: AuthenticatedCaller, ownerName: string | null, job: Job | null, releaseId: number | null) {
  const { state } = record;
  const request = state.request;
  if (!request) throw new Error(`process ${processId} has no request`);
  const pipeline = pipelineByName(request.pipeline);
  const progress = state.progress;
  const isOwner = caller.userId === request.ownerId;
  return {
    id: processId,
    display_name: request.displayName,
    pipeline: pipeline?.id ?? null,
    pipeline_name: request.pipeline,
    pipeline_version: request.pipelineVersion,
    used_config: request.usedConfig,
    inputs: request.inputs,
    release: releaseId,
    release_name: request.releaseName,
    upload: request.outputProductId,
    status: state.status,
    owned_by: ownerName,
    is_owner: isOwner,
    can_stop: (isOwner || caller.isAdmin) && (state.status === 'Pending' || state.status === 'Running'),
    created_at: record.requestedAt,
    started_at: record.startedAt,
    ended_at: record.endedAt,
    duration_seconds: seconds(record.startedAt, record.endedAt),
    attempts: Math.max(state.attempts, job?.attempts ?? 0),
    progress: {
      stage: progress?.stage ?? (state.status === 'Pending' ? 'queued' : state.status === 'Running' ? 'starting' : null),
      fraction: state.status === 'Successful' ? 1 : (progress?.fraction ?? 0),
      rows_read: progress?.rowsRead ?? job?.progressDone ?? 0,
      pairs_found: progress?.pairsFound ?? null,
      message: progress?.message ?? null,
    },
    error: state.failure ? `${state.failure.reason} (${state.failure.code})` : state.status === 'Stopped' ? 'stopped before it finished' : null,
    summary: state.succeeded?.summary ?? null,
    run_id: request.runId,
    log: record.log,
  };
}
