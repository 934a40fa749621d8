import { err, ok, type Result } from '@pz/contracts';
import { tableError, type TableError } from '../errors';
import type { JsonValue } from '../types';
import type { FitsHeader } from './fits-header';
import { uniqueColumnNames, type FitsTableColumn } from './table-column';

const TFORM = /^\s*([AIFED])(\d+)(?:\.(\d+))?\s*$/;
const latin1 = new TextDecoder('latin1');

function numberReader(kind: string, scale: number, zero: number, isScaled: boolean) {
  return (text: string): JsonValue => {
    if (kind === 'I' && !isScaled) {
      if (!/^[+-]?\d+$/.test(text)) return null;
      const value = BigInt(text);
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
    }
    const value = Number(text.replace(/[Dd]/, 'E'));
    if (!Number.isFinite(value)) return null;
    return isScaled ? zero + scale * value : value;
  };
}

/** Decoders for an ASCII `TABLE` extension: fixed-width text fields at TBCOLn. */
export function asciiTableColumns(header: FitsHeader, rowBytes: number): Result<FitsTableColumn[], TableError> {
  const fieldCount = header.integer('TFIELDS');
  if (fieldCount === null || fieldCount < 0 || fieldCount > 999) {
    return err(tableError('TABLE_UNREADABLE', 'The FITS TABLE header has no valid TFIELDS card.'));
  }
  const names = uniqueColumnNames(Array.from({ length: fieldCount }, (_, i) => header.text(`TTYPE${i + 1}`)));
  const columns: FitsTableColumn[] = [];
  for (let n = 1; n <= fieldCount; n++) {
    const name = names[n - 1] ?? `col${n}`;
    const tform = header.text(`TFORM${n}`) ?? '';
    const match = TFORM.exec(tform);
    const column = header.integer(`TBCOL${n}`);
    if (!match || column === null) {
      return err(tableError('TABLE_UNREADABLE', `Column ${name} has an invalid TFORM${n} '${tform}' or no TBCOL${n}.`, name));
    }
    const kind = match[1] ?? 'A';
    const width = Number(match[2]);
    const start = column - 1;
    if (start < 0 || start + width > rowBytes) {
      return err(tableError('TABLE_UNREADABLE', `Column ${name} lies outside the ${rowBytes}-byte rows (TBCOL${n} = ${column}).`, name));
    }
    const nullText = header.text(`TNULL${n}`)?.trim() ?? null;
    const scale = header.real(`TSCAL${n}`) ?? 1;
    const zero = header.real(`TZERO${n}`) ?? 0;
    const isScaled = scale !== 1 || zero !== 0;
    const parse = kind === 'A' ? (text: string): JsonValue => text : numberReader(kind, scale, zero, isScaled);
    columns.push({
      name,
      type: kind === 'A' ? 'string' : kind === 'I' && !isScaled ? 'int64' : 'float64',
      decode: (row) => {
        const raw = latin1.decode(new Uint8Array(row.buffer, row.byteOffset + start, width));
        const text = kind === 'A' ? raw.trimEnd() : raw.trim();
        return text === '' || text === nullText ? null : parse(text);
      },
    });
  }
  return ok(columns);
}
