import type { JsonValue, TableRow } from '../types';
import { ELEMENT_BYTES, type VotableField } from './votable-fields';

/** Not enough bytes yet for the row: wait for more of the stream. */
const NEED_MORE = Symbol('need more');

class Cursor {
  constructor(readonly view: DataView, public at: number) {}
  take(n: number): number | typeof NEED_MORE {
    if (this.at + n > this.view.byteLength) return NEED_MORE;
    const start = this.at;
    this.at += n;
    return start;
  }
}

function element(view: DataView, at: number, datatype: string): JsonValue {
  switch (datatype) {
    case 'boolean': {
      const c = String.fromCharCode(view.getUint8(at)).toLowerCase();
      return c === 't' || c === '1' ? true : c === 'f' || c === '0' ? false : null;
    }
    case 'unsignedByte': return view.getUint8(at);
    case 'short': return view.getInt16(at);
    case 'int': return view.getInt32(at);
    case 'long': {
      const big = view.getBigInt64(at);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big.toString();
    }
    case 'float': {
      const v = view.getFloat32(at);
      return Number.isFinite(v) ? v : null;
    }
    case 'double': {
      const v = view.getFloat64(at);
      return Number.isFinite(v) ? v : null;
    }
    default: return null;
  }
}

const latin1 = new TextDecoder('latin1');
const utf16 = new TextDecoder('utf-16be');

function fieldValue(cursor: Cursor, field: VotableField): JsonValue | typeof NEED_MORE {
  let count = field.arraysize === undefined ? 1 : field.arraysize;
  if (count === null) {
    const at = cursor.take(4);
    if (at === NEED_MORE) return NEED_MORE;
    count = cursor.view.getInt32(at);
    if (count < 0 || count > 1 << 28) throw new Error(`a variable-length cell declares ${count} elements`);
  }
  const { datatype } = field;
  if (datatype === 'bit') {
    const at = cursor.take(Math.ceil(count / 8));
    if (at === NEED_MORE) return NEED_MORE;
    // A single bit is read as any non-zero byte: astropy writes true as 0x08, the standard packs it at 0x80.
    if (field.arraysize === undefined || field.arraysize === 1) return cursor.view.getUint8(at) !== 0;
    return Array.from({ length: count }, (_, i) => ((cursor.view.getUint8(at + (i >> 3)) >> (7 - (i & 7))) & 1) === 1);
  }
  const size = ELEMENT_BYTES[datatype];
  if (size === undefined) throw new Error(`the datatype "${datatype}" is not a VOTable datatype`);
  const at = cursor.take(size * count);
  if (at === NEED_MORE) return NEED_MORE;
  const { view } = cursor;
  if (datatype === 'char' || datatype === 'unicodeChar') {
    const bytes = new Uint8Array(view.buffer, view.byteOffset + at, size * count);
    const text = (datatype === 'char' ? latin1 : utf16).decode(bytes).replace(/[\0 ]+$/, '');
    return text;
  }
  if (datatype === 'floatComplex' || datatype === 'doubleComplex') {
    const part = datatype === 'floatComplex' ? 'float' : 'double';
    const half = size / 2;
    const pairs = Array.from({ length: count }, (_, i) => [element(view, at + i * size, part), element(view, at + i * size + half, part)]);
    return field.arraysize === undefined ? (pairs[0] ?? null) : pairs;
  }
  const values = Array.from({ length: count }, (_, i) => element(view, at + i * size, datatype));
  if (field.arraysize === undefined || field.arraysize === 1) {
    const value = values[0] ?? null;
    return field.nullValue !== undefined && value !== null && String(value) === field.nullValue ? null : value;
  }
  return values;
}

/**
 * Decodes BINARY / BINARY2 rows from bytes as they arrive (base64-decoded STREAM content). BINARY2
 * rows start with a null bitmap, one bit per field. Keeps only the bytes of an unfinished row.
 */
export class BinaryRowDecoder {
  private pending = new Uint8Array(0);

  constructor(private readonly fields: readonly VotableField[], private readonly withNullMask: boolean) {}

  /** Feeds bytes; calls `onRow` for each complete row (`decode` false: only counted, values skipped). */
  push(bytes: Uint8Array, onRow: (row: TableRow | null) => boolean): void {
    const joined = new Uint8Array(this.pending.length + bytes.length);
    joined.set(this.pending);
    joined.set(bytes, this.pending.length);
    const view = new DataView(joined.buffer, joined.byteOffset, joined.byteLength);
    let start = 0;
    for (;;) {
      const cursor = new Cursor(view, start);
      const row = this.decodeRow(cursor);
      if (row === NEED_MORE) break;
      start = cursor.at;
      onRow(row);
    }
    this.pending = joined.slice(start);
  }

  /** Bytes left that do not make a whole row (non-zero at the end of the stream: truncated). */
  get leftover(): number {
    return this.pending.length;
  }

  private decodeRow(cursor: Cursor): TableRow | typeof NEED_MORE {
    const maskBytes = this.withNullMask ? Math.ceil(this.fields.length / 8) : 0;
    const maskAt = cursor.take(maskBytes);
    if (maskAt === NEED_MORE) return NEED_MORE;
    const row: TableRow = {};
    for (const [i, field] of this.fields.entries()) {
      const value = fieldValue(cursor, field);
      if (value === NEED_MORE) return NEED_MORE;
      const isNull = this.withNullMask && ((cursor.view.getUint8(maskAt + (i >> 3)) >> (7 - (i & 7))) & 1) === 1;
      row[field.name] = isNull ? null : value;
    }
    return row;
  }
}
