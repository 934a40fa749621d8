import type { JsonValue } from '../types';

/** One FIELD of a VOTable TABLE. */
export interface VotableField {
  readonly name: string;
  readonly datatype: string;
  /** `undefined` for a scalar; a number of elements, or null when variable (`*`, `10*`). */
  readonly arraysize: number | null | undefined;
  readonly unit?: string;
  readonly ucd?: string;
  description?: string;
  /** `<VALUES null="...">`: the value standing for null in integer columns. */
  nullValue?: string;
}

const TYPE_NAMES: Record<string, string> = {
  boolean: 'bool', bit: 'bool', unsignedByte: 'uint8', short: 'int16', int: 'int32', long: 'int64',
  char: 'string', unicodeChar: 'string', float: 'float32', double: 'float64', floatComplex: 'complex64', doubleComplex: 'complex128',
};

export const isKnownDatatype = (datatype: string): boolean => Object.hasOwn(TYPE_NAMES, datatype);
const isText = (field: VotableField): boolean => field.datatype === 'char' || field.datatype === 'unicodeChar';

/** `arraysize` attribute: absent → scalar; `*`/`n*` → variable; `n` or `nxm` (multi-dimensional: elements multiplied). */
export function parseArraysize(value: string | undefined): number | null | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (value.trim().endsWith('*')) return null;
  const dims = value.split('x').map((d) => Number(d.trim()));
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) return null;
  return dims.reduce((a, b) => a * b, 1);
}

/** dtype-like name: `string` for char arrays, `float64[3]` / `int32[]` for other arrays. */
export function fieldType(field: VotableField): string {
  const base = TYPE_NAMES[field.datatype] ?? field.datatype;
  if (isText(field) || field.arraysize === undefined || (field.arraysize === 1 && field.datatype !== 'bit')) return base;
  if (field.datatype === 'bit') return field.arraysize === 1 ? 'bool' : `bits[${field.arraysize ?? ''}]`;
  return `${base}[${field.arraysize ?? ''}]`;
}

function scalarFromText(field: VotableField, text: string): JsonValue {
  if (text === '' || (field.nullValue !== undefined && text === field.nullValue)) return null;
  switch (field.datatype) {
    case 'boolean': {
      const t = text.toLowerCase();
      return t === 't' || t === 'true' || t === '1' ? true : t === 'f' || t === 'false' || t === '0' ? false : null;
    }
    case 'bit':
      return text === '1';
    case 'long': {
      if (!/^[-+]?\d+$/.test(text)) return /^0x[0-9a-f]+$/i.test(text) ? Number(text) : null;
      const big = BigInt(text);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big.toString();
    }
    default: {
      const n = Number(text);
      return Number.isFinite(n) ? n : null;
    }
  }
}

/** A TABLEDATA cell's text as JSON: text for char fields, numbers (or arrays of them) otherwise. */
export function valueFromText(field: VotableField, raw: string): JsonValue {
  if (isText(field)) return raw === '' ? null : raw;
  const text = raw.trim();
  if (field.arraysize === undefined || (field.arraysize === 1 && field.datatype !== 'bit')) return scalarFromText(field, text);
  if (text === '') return null;
  if (field.datatype === 'bit') return Array.from(text.replace(/\s+/g, ''), (c) => c === '1');
  const parts = text.split(/\s+/);
  if (field.datatype === 'floatComplex' || field.datatype === 'doubleComplex') return parts.map((p) => scalarFromText(field, p));
  return parts.map((p) => scalarFromText({ ...field, nullValue: undefined }, p));
}

/** Bytes one element of a datatype takes in BINARY/BINARY2 serialization. */
export const ELEMENT_BYTES: Record<string, number> = {
  boolean: 1, bit: 1, unsignedByte: 1, short: 2, int: 4, long: 8, char: 1, unicodeChar: 2, float: 4, double: 8, floatComplex: 8, doubleComplex: 16,
};
