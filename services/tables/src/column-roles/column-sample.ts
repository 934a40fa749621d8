import type { JsonValue, TableRow } from '../types';

/** What the preview rows say about one column's values: enough to check a guessed role. */
export interface ColumnSample {
  /** Rows looked at (non-null or not). */
  readonly rows: number;
  /** Values that are numbers (or text spelling one). */
  readonly numeric: number;
  /** Values that are non-empty text not spelling a number. */
  readonly text: number;
  /** The numeric values, for range checks. */
  readonly values: readonly number[];
  /** Whether every numeric value is a whole number. */
  readonly wholeNumbers: boolean;
  /** Distinct non-null values (text or number). */
  readonly distinct: number;
  /** Non-null values. */
  readonly nonNull: number;
}

const numberOf = (value: JsonValue): number | null => {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) return Number(value);
  return null;
};

/** Summarises each column's values in a table's preview rows. */
export function sampleColumns(columnNames: readonly string[], rows: readonly TableRow[]): Map<string, ColumnSample> {
  const samples = new Map<string, ColumnSample>();
  for (const name of columnNames) {
    const values: number[] = [];
    const seen = new Set<string>();
    let text = 0;
    let nonNull = 0;
    for (const row of rows) {
      const value = row[name];
      if (value === null || value === undefined || value === '') continue;
      nonNull++;
      seen.add(typeof value === 'object' ? JSON.stringify(value) : String(value));
      const n = numberOf(value);
      if (n === null) {
        if (typeof value === 'string') text++;
      } else values.push(n);
    }
    samples.set(name, { rows: rows.length, numeric: values.length, text, values, wholeNumbers: values.every(Number.isInteger), distinct: seen.size, nonNull });
  }
  return samples;
}

/** Share of the numeric values within [min, max]; null when there is none to look at. */
export function shareWithin(sample: ColumnSample | undefined, min: number, max: number): number | null {
  if (!sample || sample.values.length === 0) return null;
  return sample.values.filter((v) => v >= min && v <= max).length / sample.values.length;
}
