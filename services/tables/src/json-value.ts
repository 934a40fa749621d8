import type { JsonValue } from './types';

const utf8 = new TextDecoder('utf-8');

/** Fixed-width byte strings (FITS `A`, HDF5 `S8`) are padded with NULs or spaces. */
export const bytesToText = (bytes: Uint8Array): string => utf8.decode(bytes).replace(/[\0 ]+$/, '');

export const bigIntToJson = (value: bigint): number | string =>
  value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();

/**
 * Makes any value a reader produces safe for JSON: BigInt becomes a number when exact (a string
 * otherwise, so ids survive), NaN and infinities become null (JSON has no spelling for them),
 * bytes become text, dates become ISO strings.
 */
export function toJsonValue(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return bigIntToJson(value);
    case 'object':
      break;
    default:
      return null;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return bytesToText(value);
  if (ArrayBuffer.isView(value)) {
    const list = value as unknown as ArrayLike<unknown>;
    return Array.from({ length: list.length }, (_, i) => toJsonValue(list[i]));
  }
  if (Array.isArray(value)) return value.map(toJsonValue);
  const record: Record<string, JsonValue> = {};
  for (const [key, entry] of Object.entries(value)) record[key] = toJsonValue(entry);
  return record;
}
