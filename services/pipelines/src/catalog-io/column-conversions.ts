import type { ColumnReader } from '../expression/compile-expression';
import type { ScalarValue } from '../expression/syntax-tree';
import type { ExpressionColumnType } from '../flags/translation-rules';
import type { ColumnValues } from './table-columns';

/** One decoded cell as a rule value: NaN and undefined are null, 64-bit integers become numbers. */
export function scalarOf(cell: unknown): ScalarValue {
  switch (typeof cell) {
    case 'number':
      return Number.isNaN(cell) ? null : cell;
    case 'bigint':
      return Number(cell);
    case 'string':
    case 'boolean':
      return cell;
    default:
      if (cell instanceof Date) return cell.toISOString();
      return null;
  }
}

function numberOf(cell: unknown): number {
  switch (typeof cell) {
    case 'number':
      return cell;
    case 'bigint':
      return Number(cell);
    case 'boolean':
      return cell ? 1 : 0;
    case 'string': {
      const text = cell.trim();
      return text === '' ? Number.NaN : Number(text);
    }
    default:
      return Number.NaN;
  }
}

/** A numeric column as float64, null and unparseable cells being NaN. */
export function toFloat64(values: ColumnValues): Float64Array {
  if (values instanceof Float64Array) return values;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = numberOf(values[i]);
  return out;
}

/** Identifiers as text: 64-bit integers keep every digit. */
export function toTexts(values: ColumnValues): (string | null)[] {
  const out = new Array<string | null>(values.length);
  for (let i = 0; i < values.length; i++) {
    const cell = values[i];
    out[i] = cell === null || cell === undefined || (typeof cell === 'number' && Number.isNaN(cell)) ? null : String(cell);
  }
  return out;
}

export interface DictionaryColumn {
  /** Index into `names`, or -1 for a null cell. */
  readonly codes: Int32Array;
  readonly names: readonly string[];
}

/** Repetitive text (survey names) as codes into a small dictionary. */
export function toDictionary(values: ColumnValues): DictionaryColumn {
  const codes = new Int32Array(values.length);
  const names: string[] = [];
  const index = new Map<string, number>();
  for (let i = 0; i < values.length; i++) {
    const cell = values[i];
    if (cell === null || cell === undefined) {
      codes[i] = -1;
      continue;
    }
    const text = String(cell);
    let code = index.get(text);
    if (code === undefined) {
      code = names.length;
      names.push(text);
      index.set(text, code);
    }
    codes[i] = code;
  }
  return { codes, names };
}

function cast(value: ScalarValue, type: ExpressionColumnType | undefined): ScalarValue {
  if (value === null || type === undefined) return value;
  switch (type) {
    case 'float':
    case 'int': {
      const n = numberOf(value);
      return Number.isNaN(n) ? null : type === 'int' ? Math.trunc(n) : n;
    }
    case 'str':
      return typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value);
    case 'bool':
      if (typeof value === 'string') {
        const text = value.trim().toLowerCase();
        return text === 'true' ? true : text === 'false' ? false : null;
      }
      return typeof value === 'boolean' ? value : numberOf(value) !== 0;
  }
}

/** Reads a column for rule conditions, cast as `expr_column_schema` says when it names the column. */
export function columnReaderOf(values: ColumnValues, type?: ExpressionColumnType): ColumnReader {
  if (values instanceof Float64Array && (type === undefined || type === 'float')) {
    return (row) => {
      const v = values[row] ?? Number.NaN;
      return Number.isNaN(v) ? null : v;
    };
  }
  return (row) => cast(scalarOf(values[row]), type);
}
