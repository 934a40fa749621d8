import type { JsonValue } from '../types';

export type CsvColumnType = 'int' | 'float' | 'bool' | 'string';

const INTEGER = /^[+-]?\d+$/;
/** Fortran-style `D` exponents are common in astronomical text tables. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eEdD][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;
const BOOLEAN = /^(true|false)$/i;
const MISSING = new Set(['', 'na', 'n/a', 'null', 'none']);

const isMissing = (text: string): boolean => MISSING.has(text.toLowerCase());
const isFloatText = (text: string): boolean => DECIMAL.test(text) || NON_FINITE.test(text);

export const isNumericText = (text: string): boolean => isFloatText(text.trim());

function typeOfValue(text: string): CsvColumnType | null {
  if (isMissing(text)) return null;
  if (INTEGER.test(text)) return 'int';
  if (isFloatText(text)) return 'float';
  if (BOOLEAN.test(text)) return 'bool';
  return 'string';
}

/** The narrowest type every non-missing value fits; `int` widens to `float`, anything else to `string`. */
function widen(current: CsvColumnType | null, next: CsvColumnType): CsvColumnType {
  if (current === null || current === next) return next;
  if ((current === 'int' && next === 'float') || (current === 'float' && next === 'int')) return 'float';
  return 'string';
}

export function inferColumnTypes(rows: readonly (readonly string[])[], width: number): CsvColumnType[] {
  const types: (CsvColumnType | null)[] = Array.from({ length: width }, () => null);
  for (const row of rows) {
    for (let column = 0; column < width; column++) {
      const valueType = typeOfValue((row[column] ?? '').trim());
      if (valueType !== null) types[column] = widen(types[column] ?? null, valueType);
    }
  }
  return types.map((type) => type ?? 'string');
}

/** Converts one field by its column type; a field that does not fit the type stays text. */
export function convertCsvValue(raw: string, type: CsvColumnType): JsonValue {
  const text = raw.trim();
  if (isMissing(text)) return null;
  switch (type) {
    case 'int': {
      if (!INTEGER.test(text)) return text;
      const value = Number(text);
      // Ids longer than 2^53 lose digits as numbers; keep their exact text.
      return Number.isSafeInteger(value) ? value : text.replace(/^\+/, '');
    }
    case 'float': {
      if (NON_FINITE.test(text)) return null;
      if (!DECIMAL.test(text)) return text;
      const value = Number(text.replace(/[dD]/, 'e'));
      return Number.isFinite(value) ? value : null;
    }
    case 'bool':
      return BOOLEAN.test(text) ? text.toLowerCase() === 'true' : text;
    case 'string':
      return raw;
  }
}
