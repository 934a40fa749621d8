import { describe, expect, it } from 'vitest';
import { toJsonValue } from './json-value';

describe('toJsonValue', () => {
  it('keeps exact BigInts as numbers and the rest as strings', () => {
    expect(toJsonValue(42n)).toBe(42);
    expect(toJsonValue(-(2n ** 53n) + 1n)).toBe(-(2 ** 53) + 1);
    expect(toJsonValue(2n ** 53n)).toBe('9007199254740992');
    expect(toJsonValue(18446744073709551615n)).toBe('18446744073709551615');
  });

  it('turns NaN and infinities into null', () => {
    expect(toJsonValue(Number.NaN)).toBeNull();
    expect(toJsonValue(Number.POSITIVE_INFINITY)).toBeNull();
    expect(toJsonValue([1.5, Number.NEGATIVE_INFINITY])).toEqual([1.5, null]);
  });

  it('turns bytes into trimmed text and typed arrays into lists', () => {
    expect(toJsonValue(new TextEncoder().encode('obj1\0\0  '))).toBe('obj1');
    expect(toJsonValue(new Float32Array([0.5, Number.NaN]))).toEqual([0.5, null]);
    expect(toJsonValue(new BigInt64Array([1n, 2n ** 60n]))).toEqual([1, '1152921504606846976']);
  });

  it('converts dates, nested objects and missing values', () => {
    expect(toJsonValue(new Date(Date.UTC(2024, 0, 2)))).toBe('2024-01-02T00:00:00.000Z');
    expect(toJsonValue(new Date(Number.NaN))).toBeNull();
    expect(toJsonValue({ a: 1n, b: undefined, c: { d: Number.NaN } })).toEqual({ a: 1, b: null, c: { d: null } });
  });
});
