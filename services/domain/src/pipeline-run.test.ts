import { describe, expect, it } from 'vitest';
import type { EventData, PzEvent } from '@pz/contracts';
import { fold } from './aggregate';
import { runDecider, type RunCommand } from './pipeline-run';

const request: EventData<'PipelineRunRequested'> = {
  runId: 'run-1', processId: 7, pipeline: 'combine_redshift_dedup', pipelineVersion: '1.0.0', displayName: 'Combined',
  usedConfig: { param: { combine_type: 'concatenate' } }, inputs: [1, 2], inputDetails: [], releaseName: null,
  outputProductId: 9, ownerId: 3, flagsTranslation: null,
};

/** Given these events, when this command: the events decided (or the refusal's code). */
function decide(given: PzEvent[], command: RunCommand) {
  const decision = runDecider.decide(command, fold(runDecider, given));
  return decision.ok ? decision.value.map((e) => e.type) : decision.error.code;
}

const requested: PzEvent = { type: 'PipelineRunRequested', data: request };
const started: PzEvent = { type: 'PipelineRunStarted', data: { runId: 'run-1', worker: 'w', attempt: 1 } };

describe('a pipeline run', () => {
  it('is requested once, with inputs', () => {
    expect(decide([], { type: 'RequestRun', data: request })).toEqual(['PipelineRunRequested']);
    expect(decide([requested], { type: 'RequestRun', data: request })).toBe('ALREADY_EXISTS');
    expect(decide([], { type: 'RequestRun', data: { ...request, inputs: [] } })).toBe('VALIDATION_FAILED');
  });

  it('starts once per attempt: a later attempt (after a worker died) is recorded, an echo is not', () => {
    expect(decide([requested], { type: 'StartRun', worker: 'w', attempt: 1 })).toEqual(['PipelineRunStarted']);
    expect(decide([requested, started], { type: 'StartRun', worker: 'w', attempt: 1 })).toEqual([]);
    expect(decide([requested, started], { type: 'StartRun', worker: 'v', attempt: 2 })).toEqual(['PipelineRunStarted']);
    expect(fold(runDecider, [requested, started]).status).toBe('Running');
  });

  it('succeeds with its output, repeating what it used, pipeline and version', () => {
    const decision = runDecider.decide({ type: 'SucceedRun', result: { generatedProductId: 9, output: { fileId: 4, name: 'x.parquet', sha256: 'a'.repeat(64), rows: 10, format: 'parquet' }, summary: {} } }, fold(runDecider, [requested, started]));
    expect(decision.ok && decision.value[0]?.data).toMatchObject({ runId: 'run-1', generatedProductId: 9, inputs: [1, 2], pipeline: 'combine_redshift_dedup', pipelineVersion: '1.0.0' });
  });

  it('is stopped by its owner or an admin only; once ended, late reports change nothing', () => {
    expect(decide([requested], { type: 'StopRun', caller: { userId: 4, isAdmin: false } })).toBe('FORBIDDEN');
    expect(decide([requested], { type: 'StopRun', caller: { userId: 4, isAdmin: true } })).toEqual(['PipelineRunStopped']);
    const stopped: PzEvent = { type: 'PipelineRunStopped', data: { runId: 'run-1', stoppedBy: 3 } };
    expect(decide([requested, started, stopped], { type: 'FailRun', code: 'X', reason: 'late' })).toEqual([]);
    expect(decide([requested, started, stopped], { type: 'ReportRunProgress', progress: { stage: 'read', fraction: 0.3, rowsRead: 5, pairsFound: null, message: '' } })).toEqual([]);
    expect(decide([requested, started, stopped], { type: 'StartRun', worker: 'w', attempt: 2 })).toBe('INVALID_STATE');
    expect(fold(runDecider, [requested, started, stopped]).status).toBe('Stopped');
    // Ended, it is still not another user's to stop (the access matrix found a 200 here).
    expect(decide([requested, started, stopped], { type: 'StopRun', caller: { userId: 4, isAdmin: false } })).toBe('FORBIDDEN');
    expect(decide([requested, started, stopped], { type: 'StopRun', caller: { userId: 3, isAdmin: false } })).toEqual([]);
  });

  it('fails with a reason', () => {
    expect(decide([requested, started], { type: 'FailRun', code: 'WORKER_LOST', reason: 'gone' })).toEqual(['PipelineRunFailed']);
    expect(decide([], { type: 'FailRun', code: 'X', reason: 'y' })).toBe('NOT_FOUND');
  });
});
