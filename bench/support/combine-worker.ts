import { readFileSync } from 'node:fs';
import { combineCatalogs, parseTranslationRules, type CombineRequest, type CombineSummary } from '@pz/pipelines';

/**
 * One combine run in its own process, so that its peak memory is its own: receives the request
 * (without rules: a path to the rules file), answers the summary, the seconds and the RSS high-water mark.
 */
export interface CombineJob {
  readonly request: Omit<CombineRequest, 'rules'>;
  readonly rulesPath: string;
}

export interface CombineOutcome {
  readonly summary: CombineSummary | null;
  readonly error: string | null;
  readonly seconds: number;
  /** User + system CPU seconds of the run: what the elapsed time would be on an idle core, give or take I/O. */
  readonly cpuSeconds: number;
  /** VmHWM from /proc/self/status, in bytes (process.resourceUsage().maxRSS where /proc is missing). */
  readonly peakRssBytes: number;
}

export const isCombineJob = (value: unknown): value is CombineJob =>
  typeof value === 'object' && value !== null && 'request' in value && 'rulesPath' in value && typeof value.rulesPath === 'string';

function peakRssBytes(): number {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match?.[1]) return Number(match[1]) * 1024;
  } catch {
    // No /proc (not Linux): fall back below.
  }
  return process.resourceUsage().maxRSS * 1024;
}

async function run(job: CombineJob): Promise<CombineOutcome> {
  const rules = parseTranslationRules(readFileSync(job.rulesPath, 'utf8'));
  if (!rules.ok) return { summary: null, error: `${rules.error.code}: ${rules.error.message}`, seconds: 0, cpuSeconds: 0, peakRssBytes: peakRssBytes() };
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const result = await combineCatalogs({ ...job.request, rules: rules.value });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return result.ok
    ? { summary: result.value, error: null, seconds, cpuSeconds, peakRssBytes: peakRssBytes() }
    : { summary: null, error: `${result.error.code}: ${result.error.message}`, seconds, cpuSeconds, peakRssBytes: peakRssBytes() };
}

if (process.send) {
  process.once('message', (message) => {
    if (!isCombineJob(message)) throw new Error('expected a combine job');
    void run(message).then((outcome) => process.send?.(outcome, () => process.exit(0)));
  });
}
