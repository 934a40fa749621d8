import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, type RecordedEvent } from '@pz/contracts';
import { runLog } from './run-log';

let revision = 0n;
function recorded(type: string, data: object, username: string | null = null): RecordedEvent {
  revision += 1n;
  return {
    id: `e${revision}`, streamName: 'run-7', revision, position: { commit: revision, prepare: revision }, type, data,
    metadata: {
      actor: { kind: username ? 'user' : 'system', userId: username ? 3 : null, username }, client: { kind: 'system' }, correlationId: 'run', causationId: 'c',
      recordedAt: `2026-12-06T10:00:0${revision}Z`, schemaVersion: 1, previousEventHash: GENESIS_HASH,
    },
  };
}

const requested = recorded('PipelineRunRequested', {
  runId: 'run', processId: 7, pipeline: 'combine_redshift_dedup', pipelineVersion: '1.0.0', displayName: 'x', usedConfig: { param: {} }, inputs: [1, 2],
  inputDetails: [{ internalName: '1_vvds' }, { internalName: '2_twodf' }], releaseName: null, outputProductId: 9, ownerId: 3, flagsTranslation: null,
}, 'bob');

describe('a run log, from the run events', () => {
  it('tells a run that succeeded on its second attempt, stage by stage, with the warnings of its summary', () => {
    const log = runLog([
      requested,
      recorded('PipelineRunStarted', { runId: 'run', worker: 'a:1', attempt: 1 }),
      recorded('PipelineRunStarted', { runId: 'run', worker: 'b:2', attempt: 2 }),
      recorded('PipelineRunProgressed', { runId: 'run', stage: 'read', fraction: 0.3, rowsRead: 2000, pairsFound: null, message: 'read 2000 rows' }),
      recorded('PipelineRunProgressed', { runId: 'run', stage: 'crossmatch', fraction: 0.7, rowsRead: 2000, pairsFound: 12, message: 'crossmatched 2000 rows: 12 pairs found' }),
      recorded('PipelineRunSucceeded', {
        runId: 'run', generatedProductId: 9, pipeline: 'combine_redshift_dedup', pipelineVersion: '1.0.0', inputs: [1, 2],
        output: { fileId: 4, name: 'x.fits', sha256: 'a'.repeat(64), rows: 1990, format: 'fits' },
        summary: { inputs: [{ source: '1_vvds', unknownSurveys: { ZZ: 3 }, missingRuleColumns: ['ZQUAL'] }, { source: '2_twodf', unknownSurveys: {}, missingRuleColumns: [] }] },
      }),
    ]);
    expect(log.map((l) => `${l.level} ${l.message}`)).toEqual([
      'info requested: combine_redshift_dedup 1.0.0 on 2 inputs (1_vvds, 2_twodf)',
      'info started on a:1',
      'warning started again on b:2 (attempt 2: the previous worker stopped answering)',
      'info stage read ended: read 2000 rows',
      'info stage crossmatch ended: crossmatched 2000 rows: 12 pairs found',
      'warning 1_vvds: survey "ZZ" has no flag translation rules; its 3 rows have no homogenised flag',
      'warning 1_vvds: the flag rules read ZQUAL, which the file lacks (read as null)',
      'info succeeded: 1990 rows written to x.fits (fits), product 9',
    ]);
    expect(log[0]?.at).toBe('2026-12-06T10:00:01Z');
  });

  it('tells a failure with its code, a stop by whom, and unmatched references of a training set', () => {
    expect(runLog([requested, recorded('PipelineRunFailed', { runId: 'run', code: 'INPUT_COLUMN_MISSING', reason: 'no column RA' })]).at(-1)).toMatchObject({ level: 'error', message: 'failed (INPUT_COLUMN_MISSING): no column RA' });
    expect(runLog([requested, recorded('PipelineRunStopped', { runId: 'run', stoppedBy: 3 }, 'bob')]).at(-1)).toMatchObject({ level: 'warning', message: 'stopped by bob' });
    const tsm = runLog([recorded('PipelineRunSucceeded', {
      runId: 'run', generatedProductId: 9, pipeline: 'training_set_maker', pipelineVersion: '1.0.0', inputs: [1],
      output: { fileId: 4, name: 't.parquet', sha256: 'a'.repeat(64), rows: 10, format: 'parquet' }, summary: { redshiftRows: 12, matchedRedshifts: 10 },
    })]);
    expect(tsm.map((l) => l.message)).toEqual(['2 of 12 reference redshifts matched no object within the radius', 'succeeded: 10 rows written to t.parquet (parquet), product 9']);
  });
});
