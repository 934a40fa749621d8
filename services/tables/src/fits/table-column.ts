import type { JsonValue } from '../types';

/** One column of a FITS table: where its bytes sit in a row and how to turn them into JSON. */
export interface FitsTableColumn {
  readonly name: string;
  readonly type: string;
  readonly decode: (row: DataView) => JsonValue;
}

/** TTYPEn names may repeat or be missing; rows need unique keys. */
export function uniqueColumnNames(raw: readonly (string | null)[]): string[] {
  const seen = new Map<string, number>();
  return raw.map((name, index) => {
    const base = name?.trim() || `col${index + 1}`;
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}_${count}`;
  });
}
