import type { BenchSettings } from './settings';

/**
 * One benchmark: a module `bench/<name>.ts` that exports `benchmark`. The runner (`bench/run.ts`)
 * finds it by its file name, so adding a benchmark is adding a file.
 */
export interface Benchmark {
  /** Equal to the module's file name, e.g. `append` for `bench/append.ts`. */
  readonly name: string;
  readonly title: string;
  run(context: BenchContext): Promise<void>;
}

export interface BenchContext {
  readonly settings: BenchSettings;
  /** Prints a figure at once and keeps it for the summary. */
  record(figure: Figure): void;
  /** A progress line (setup, seeding...), prefixed with the benchmark's name. */
  log(message: string): void;
}

/** `value` compared with `threshold`: the figure itself, or its ratio to the baseline. */
export interface Target {
  readonly on: 'value' | 'ratio';
  readonly compare: '>=' | '<';
  readonly threshold: number;
}

export interface Figure {
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  /** Measured in the same run, under the same conditions. */
  readonly baseline?: { readonly label: string; readonly value: number };
  readonly target?: Target;
  readonly note?: string;
}

export interface RecordedFigure extends Figure {
  readonly benchmark: string;
}

export const ratioOf = (figure: Figure): number | null => (figure.baseline && figure.baseline.value !== 0 ? figure.value / figure.baseline.value : null);

export function verdict(figure: Figure): 'met' | 'missed' | null {
  const t = figure.target;
  if (!t) return null;
  const measured = t.on === 'ratio' ? ratioOf(figure) : figure.value;
  if (measured === null || Number.isNaN(measured)) return 'missed';
  return (t.compare === '>=' ? measured >= t.threshold : measured < t.threshold) ? 'met' : 'missed';
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export const describeTarget = (t: Target, unit: string): string =>
  t.on === 'ratio' ? `ratio ${t.compare} ${t.threshold}` : `${t.compare} ${formatNumber(t.threshold)} ${unit}`;

/** One line: the figure, the baseline, their ratio, and the verdict on the target. */
export function formatFigure(f: Figure): string {
  const parts = [`${f.label}: ${formatNumber(f.value)} ${f.unit}`];
  const ratio = ratioOf(f);
  if (f.baseline) parts.push(`baseline (${f.baseline.label}) ${formatNumber(f.baseline.value)} ${f.unit}`, `ratio ${ratio === null ? 'n/a' : ratio.toFixed(2)}`);
  if (f.target) parts.push(`target ${describeTarget(f.target, f.unit)}: ${verdict(f)}`);
  if (f.note) parts.push(f.note);
  return parts.join(' | ');
}

/** The summary of a run as a Markdown table, ready for docs/benchmarks.md. */
export function summaryTable(figures: readonly RecordedFigure[]): string {
  const lines = ['| benchmark | figure | value | baseline (same run) | ratio | target | verdict |', '|---|---|---|---|---|---|---|'];
  for (const f of figures) {
    const ratio = ratioOf(f);
    lines.push(
      `| ${f.benchmark} | ${f.label} | ${formatNumber(f.value)} ${f.unit} | ${f.baseline ? `${f.baseline.label}: ${formatNumber(f.baseline.value)} ${f.unit}` : '—'} | ${ratio === null ? '—' : ratio.toFixed(2)} | ${f.target ? describeTarget(f.target, f.unit) : '—'} | ${verdict(f) ?? '—'} |`,
    );
  }
  return lines.join('\n');
}
