import type { RecordedEvent } from '@pz/contracts';

/**
 * Pipeline-run events as the provenance model reads them. Read by field name, tolerantly, so
 * that the run events of the pipelines work are taken in when merged without a change here.
 * Expected shapes (docs/events-and-provenance.md, "Pipeline runs"):
 * - `PipelineRunRequested` { runId, pipeline, pipelineVersion?, displayName?, inputs: number[], outputProductId? }
 * - `PipelineRunStarted`   { runId }
 * - `PipelineRunSucceeded` { runId, generatedProductId? (or outputProductId) }
 * - `PipelineRunFailed` / `PipelineRunStopped` { runId }
 */
export type RunChange =
  | { kind: 'requested'; runId: string; pipeline: string; pipelineVersion: string; displayName: string; inputs: number[]; output: number | null }
  | { kind: 'started'; runId: string }
  | { kind: 'ended'; runId: string; status: 'succeeded' | 'failed' | 'stopped'; output: number | null };

export const RUN_EVENT_TYPES = ['PipelineRunRequested', 'PipelineRunStarted', 'PipelineRunSucceeded', 'PipelineRunFailed', 'PipelineRunStopped'] as const;

const text = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const id = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);
const ids = (v: unknown): number[] => (Array.isArray(v) ? v.map(id).filter((n): n is number => n !== null) : []);

export function runChangeOf(event: RecordedEvent): RunChange | null {
  const d = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as Record<string, unknown>;
  const runId = text(d.runId);
  if (!runId) return null;
  switch (event.type) {
    case 'PipelineRunRequested':
      return {
        kind: 'requested', runId, pipeline: text(d.pipeline, 'pipeline'), pipelineVersion: text(d.pipelineVersion), displayName: text(d.displayName),
        inputs: ids(d.inputs ?? d.inputProductIds), output: id(d.outputProductId),
      };
    case 'PipelineRunStarted':
      return { kind: 'started', runId };
    case 'PipelineRunSucceeded':
      return { kind: 'ended', runId, status: 'succeeded', output: id(d.generatedProductId ?? d.outputProductId) };
    case 'PipelineRunFailed':
      return { kind: 'ended', runId, status: 'failed', output: null };
    case 'PipelineRunStopped':
      return { kind: 'ended', runId, status: 'stopped', output: null };
    default:
      return null;
  }
}
