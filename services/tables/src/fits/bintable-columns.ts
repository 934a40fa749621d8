import { err, ok, type Result } from '@pz/contracts';
import { tableError, type TableError } from '../errors';
import { bigIntToJson, bytesToText } from '../json-value';
import type { JsonValue } from '../types';
import type { FitsHeader } from './fits-header';
import { uniqueColumnNames, type FitsTableColumn } from './table-column';

const TFORM = /^\s*(\d*)([A-Z])(.*)$/;

const WIDTHS: Record<string, number> = { L: 1, B: 1, I: 2, J: 4, K: 8, A: 1, E: 4, D: 8, C: 8, M: 16, P: 8, Q: 16 };

const UNSUPPORTED: Record<string, string> = {
  P: 'variable-length array',
  Q: 'variable-length array',
  C: 'complex',
  M: 'complex',
};

interface Scaling {
  readonly scale: number;
  readonly zero: number;
  readonly zeroExact: bigint | null;
  readonly nullValue: bigint | null;
}

/** A scalar reader at a byte position; big-endian, as FITS always is. */
type ScalarReader = (view: DataView, at: number) => JsonValue;

const UNSIGNED_OFFSETS: Record<string, bigint> = { I: 32768n, J: 2147483648n, K: 9223372036854775808n };
const INTEGER_TYPES: Record<string, string> = { B: 'uint8', I: 'int16', J: 'int32', K: 'int64' };
const UNSIGNED_TYPES: Record<string, string> = { B: 'int8', I: 'uint16', J: 'uint32', K: 'uint64' };

function readRawInteger(code: string, view: DataView, at: number): bigint {
  switch (code) {
    case 'B':
      return BigInt(view.getUint8(at));
    case 'I':
      return BigInt(view.getInt16(at));
    case 'J':
      return BigInt(view.getInt32(at));
    default:
      return view.getBigInt64(at);
  }
}

/**
 * Integer columns: TNULLn is compared with the stored value; TZEROn = 2^(bits-1) with no TSCALn
 * is the convention for unsigned integers (and TZEROn = -128 on bytes for signed ones), read
 * exactly; any other TSCALn/TZEROn makes a scaled float.
 */
function integerReader(code: string, scaling: Scaling): { read: ScalarReader; type: string } {
  const unsignedOffset = code === 'B' ? -128n : UNSIGNED_OFFSETS[code];
  const isOffsetConvention = scaling.scale === 1 && scaling.zeroExact !== null && scaling.zeroExact === unsignedOffset;
  const isScaled = !isOffsetConvention && (scaling.scale !== 1 || scaling.zero !== 0);
  const read: ScalarReader = (view, at) => {
    const raw = readRawInteger(code, view, at);
    if (scaling.nullValue !== null && raw === scaling.nullValue) return null;
    if (isOffsetConvention) return bigIntToJson(raw + (scaling.zeroExact ?? 0n));
    if (isScaled) return scaling.zero + scaling.scale * Number(raw);
    return bigIntToJson(raw);
  };
  const type = isOffsetConvention ? (UNSIGNED_TYPES[code] ?? 'int64') : isScaled ? 'float64' : (INTEGER_TYPES[code] ?? 'int64');
  return { read, type };
}

function floatReader(code: 'E' | 'D', scaling: Scaling): ScalarReader {
  const isScaled = scaling.scale !== 1 || scaling.zero !== 0;
  return (view, at) => {
    const raw = code === 'E' ? view.getFloat32(at) : view.getFloat64(at);
    if (!Number.isFinite(raw)) return null;
    return isScaled ? scaling.zero + scaling.scale * raw : raw;
  };
}

const logicalReader: ScalarReader = (view, at) => {
  const byte = view.getUint8(at);
  if (byte === 0x54) return true;
  if (byte === 0x46) return false;
  return null;
};

const repeated = (read: ScalarReader, repeat: number, width: number, start: number) => (view: DataView): JsonValue =>
  repeat === 1 ? read(view, start) : Array.from({ length: repeat }, (_, i) => read(view, start + i * width));

function scalingOf(header: FitsHeader, n: number): Scaling {
  const zero = header.real(`TZERO${n}`);
  // Some writers spell the unsigned offset as a real (32768.0); 2^63 is exact as a double too.
  const zeroAsInteger = zero === null ? 0n : Number.isInteger(zero) ? BigInt(zero) : null;
  return {
    scale: header.real(`TSCAL${n}`) ?? 1,
    zero: zero ?? 0,
    zeroExact: header.bigInteger(`TZERO${n}`) ?? zeroAsInteger,
    nullValue: header.bigInteger(`TNULL${n}`),
  };
}

/** Decoders for every column of a BINTABLE, from its TFORMn, TTYPEn, TSCALn, TZEROn and TNULLn. */
export function binaryTableColumns(header: FitsHeader, rowBytes: number): Result<FitsTableColumn[], TableError> {
  const fieldCount = header.integer('TFIELDS');
  if (fieldCount === null || fieldCount < 0 || fieldCount > 999) {
    return err(tableError('TABLE_UNREADABLE', 'The FITS BINTABLE header has no valid TFIELDS card.'));
  }
  const names = uniqueColumnNames(Array.from({ length: fieldCount }, (_, i) => header.text(`TTYPE${i + 1}`)));
  const columns: FitsTableColumn[] = [];
  let start = 0;
  for (let n = 1; n <= fieldCount; n++) {
    const name = names[n - 1] ?? `col${n}`;
    const tform = header.text(`TFORM${n}`);
    const match = tform === null ? null : TFORM.exec(tform);
    const code = match?.[2];
    if (!match || !code || (WIDTHS[code] === undefined && code !== 'X')) {
      return err(tableError('TABLE_UNREADABLE', `Column ${name} has an invalid TFORM${n} '${tform ?? ''}'.`, name));
    }
    const unsupported = UNSUPPORTED[code];
    if (unsupported) {
      return err(
        tableError('TABLE_FORMAT_UNSUPPORTED', `Column ${name} is stored as TFORM${n} = '${tform}' (${unsupported}), which this reader does not decode.`, name),
      );
    }
    const repeat = match[1] === '' ? 1 : Number(match[1]);
    const width = code === 'X' ? Math.ceil(repeat / 8) : repeat * (WIDTHS[code] ?? 0);
    const column = describe(code, repeat, start, scalingOf(header, n));
    columns.push({ name, type: column.type, decode: column.decode });
    start += width;
  }
  if (start > rowBytes) {
    return err(tableError('TABLE_UNREADABLE', `The FITS BINTABLE columns need ${start} bytes per row but NAXIS1 says ${rowBytes}.`));
  }
  return ok(columns);
}

function describe(code: string, repeat: number, start: number, scaling: Scaling): Pick<FitsTableColumn, 'type' | 'decode'> {
  const arrayType = (type: string) => (repeat === 1 ? type : `${type}[${repeat}]`);
  switch (code) {
    case 'A':
      return { type: 'string', decode: (view) => bytesToText(new Uint8Array(view.buffer, view.byteOffset + start, repeat)) };
    case 'X':
      return {
        type: `bits[${repeat}]`,
        decode: (view) => {
          const bits = Array.from({ length: repeat }, (_, bit) => ((view.getUint8(start + (bit >> 3)) >> (7 - (bit & 7))) & 1) === 1);
          return repeat === 1 ? (bits[0] ?? null) : bits;
        },
      };
    case 'L':
      return { type: arrayType('bool'), decode: repeated(logicalReader, repeat, 1, start) };
    case 'E':
    case 'D': {
      const isScaled = scaling.scale !== 1 || scaling.zero !== 0;
      const type = isScaled || code === 'D' ? 'float64' : 'float32';
      return { type: arrayType(type), decode: repeated(floatReader(code, scaling), repeat, WIDTHS[code] ?? 8, start) };
    }
    default: {
      const { read, type } = integerReader(code, scaling);
      return { type: arrayType(type), decode: repeated(read, repeat, WIDTHS[code] ?? 8, start) };
    }
  }
}
