import type { PzEvent, RecordedEvent } from '@pz/contracts';

/**
 * A run's log: one readable line per thing worth knowing, made from its events (so a log is the
 * ledger's, never a separate file that could disagree): requested, each attempt started, each
 * stage ended with its counts, warnings the pipeline reported (surveys without flag rules,
 * columns the rules read that an input lacks, references left unmatched), and how it ended.
 */
export interface RunLogLine {
  readonly at: string;
  readonly level: 'info' | 'warning' | 'error';
  readonly message: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Warnings in a pipeline's summary (read tolerantly: summaries are the pipelines' own shapes). */
function summaryWarnings(summary: unknown): string[] {
  if (!isRecord(summary)) return [];
  const warnings: string[] = [];
  for (const input of Array.isArray(summary.inputs) ? summary.inputs : []) {
    if (!isRecord(input)) continue;
    const source = String(input.source ?? 'an input');
    const unknown = isRecord(input.unknownSurveys) ? Object.entries(input.unknownSurveys) : [];
    for (const [survey, rows] of unknown) warnings.push(`${source}: survey "${survey}" has no flag translation rules; its ${plural(Number(rows), 'row')} have no homogenised flag`);
    const missing = Array.isArray(input.missingRuleColumns) ? input.missingRuleColumns.map(String) : [];
    if (missing.length > 0) warnings.push(`${source}: the flag rules read ${missing.join(', ')}, which the file lacks (read as null)`);
  }
  const references = Number(summary.redshiftRows);
  const matched = Number(summary.matchedRedshifts);
  if (Number.isFinite(references) && Number.isFinite(matched) && matched < references) warnings.push(`${references - matched} of ${plural(references, 'reference redshift')} matched no object within the radius`);
  return warnings;
}

function linesOf(event: PzEvent, actor: string | null): { level: RunLogLine['level']; message: string }[] {
  switch (event.type) {
    case 'PipelineRunRequested': {
      const d = event.data;
      return [{ level: 'info', message: `requested: ${d.pipeline} ${d.pipelineVersion} on ${plural(d.inputs.length, 'input')} (${d.inputDetails.map((i) => i.internalName).join(', ') || d.inputs.join(', ')})${d.releaseName ? `, release ${d.releaseName}` : ''}` }];
    }
    case 'PipelineRunStarted':
      return [{ level: event.data.attempt > 1 ? 'warning' : 'info', message: event.data.attempt > 1 ? `started again on ${event.data.worker} (attempt ${event.data.attempt}: the previous worker stopped answering)` : `started on ${event.data.worker}` }];
    case 'PipelineRunProgressed':
      return [{ level: 'info', message: `stage ${event.data.stage} ended: ${event.data.message}` }];
    case 'PipelineRunSucceeded': {
      const { output, summary } = event.data;
      return [
        ...summaryWarnings(summary).map((message) => ({ level: 'warning' as const, message })),
        { level: 'info', message: `succeeded: ${plural(output.rows, 'row')} written to ${output.name} (${output.format}), product ${event.data.generatedProductId}` },
      ];
    }
    case 'PipelineRunFailed':
      return [{ level: 'error', message: `failed (${event.data.code}): ${event.data.reason}` }];
    case 'PipelineRunStopped':
      return [{ level: 'warning', message: `stopped by ${actor ?? `user ${event.data.stoppedBy}`}` }];
    default:
      return [];
  }
}

export function runLog(recorded: readonly RecordedEvent[]): RunLogLine[] {
  return recorded.flatMap((e) => linesOf({ type: e.type, data: e.data } as PzEvent, e.metadata.actor.username).map((line) => ({ at: e.metadata.recordedAt, ...line })));
}
