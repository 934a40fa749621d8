import { err, ok, type EventData, type PzEvent, type Result } from '@pz/contracts';
import type { Caller, Decider } from './aggregate';
import { domainError, type DomainError } from './domain-error';

/** A pipeline run (a process): Pending → Running → Successful | Failed | Stopped. */
export type RunStatus = 'Pending' | 'Running' | 'Successful' | 'Failed' | 'Stopped';

export interface RunState {
  readonly exists: boolean;
  readonly status: RunStatus;
  readonly request: EventData<'PipelineRunRequested'> | null;
  readonly attempts: number;
  readonly progress: EventData<'PipelineRunProgressed'> | null;
  readonly succeeded: EventData<'PipelineRunSucceeded'> | null;
  readonly failure: EventData<'PipelineRunFailed'> | null;
}

export type RunCommand =
  | { type: 'RequestRun'; data: EventData<'PipelineRunRequested'> }
  | { type: 'StartRun'; worker: string; attempt: number }
  | { type: 'ReportRunProgress'; progress: Omit<EventData<'PipelineRunProgressed'>, 'runId'> }
  | { type: 'SucceedRun'; result: Omit<EventData<'PipelineRunSucceeded'>, 'runId' | 'pipeline' | 'pipelineVersion' | 'inputs'> }
  | { type: 'FailRun'; reason: string; code: string }
  | { type: 'StopRun'; caller: Caller };

const initialState = (): RunState => ({ exists: false, status: 'Pending', request: null, attempts: 0, progress: null, succeeded: null, failure: null });

export const isFinished = (status: RunStatus): boolean => status === 'Successful' || status === 'Failed' || status === 'Stopped';

function evolve(state: RunState, event: PzEvent): RunState {
  switch (event.type) {
    case 'PipelineRunRequested':
      return { ...initialState(), exists: true, request: event.data };
    case 'PipelineRunStarted':
      return { ...state, status: 'Running', attempts: event.data.attempt };
    case 'PipelineRunProgressed':
      return { ...state, progress: event.data };
    case 'PipelineRunSucceeded':
      return { ...state, status: 'Successful', succeeded: event.data };
    case 'PipelineRunFailed':
      return { ...state, status: 'Failed', failure: event.data };
    case 'PipelineRunStopped':
      return { ...state, status: 'Stopped' };
    default:
      return state;
  }
}

function decide(command: RunCommand, state: RunState): Result<PzEvent[], DomainError> {
  if (command.type === 'RequestRun') {
    if (state.exists) return err(domainError('ALREADY_EXISTS', `process ${command.data.processId} already exists`));
    if (command.data.inputs.length === 0) return err(domainError('VALIDATION_FAILED', 'a run needs at least one input', 'inputs'));
    return ok([{ type: 'PipelineRunRequested', data: command.data }]);
  }
  const request = state.request;
  if (!state.exists || !request) return err(domainError('NOT_FOUND', 'process not found'));
  const runId = request.runId;
  // Only its owner or an admin may stop a run, finished or not (a finished one answers as it is).
  if (command.type === 'StopRun' && !command.caller.isAdmin && command.caller.userId !== request.ownerId) {
    return err(domainError('FORBIDDEN', 'only the owner of this process or an admin may stop it'));
  }
  // A finished run takes no further news: a late report from a worker that lost its lease is dropped.
  if (isFinished(state.status)) {
    if (command.type === 'StopRun' || command.type === 'FailRun' || command.type === 'SucceedRun' || command.type === 'ReportRunProgress') return ok([]);
    return err(domainError('INVALID_STATE', `this process has ended (${state.status})`));
  }
  switch (command.type) {
    case 'StartRun':
      if (command.attempt <= state.attempts) return ok([]);
      return ok([{ type: 'PipelineRunStarted', data: { runId, worker: command.worker, attempt: command.attempt } }]);
    case 'ReportRunProgress':
      return ok([{ type: 'PipelineRunProgressed', data: { runId, ...command.progress } }]);
    case 'SucceedRun':
      return ok([{ type: 'PipelineRunSucceeded', data: { runId, pipeline: request.pipeline, pipelineVersion: request.pipelineVersion, inputs: request.inputs, ...command.result } }]);
    case 'FailRun':
      return ok([{ type: 'PipelineRunFailed', data: { runId, reason: command.reason, code: command.code } }]);
    case 'StopRun':
      return ok([{ type: 'PipelineRunStopped', data: { runId, stoppedBy: command.caller.userId } }]);
  }
}

export const runDecider: Decider<RunState, RunCommand> = { initialState, evolve, decide };
