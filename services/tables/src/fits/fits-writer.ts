import { open, type FileHandle } from 'node:fs/promises';
import { BLOCK_BYTES, CARD_BYTES } from './fits-header';

/**
 * A BINTABLE writer: scalar columns (L, B, I, J, K, E, D and nA strings), each with an optional
 * unit (TUNITn) and, for the integer forms, a null value (TNULLn). Rows are written in batches as
 * they come (`openFitsTableWriter`), so a table of any size is written without holding it.
 * Nulls: TNULLn for integers, NaN for floats, 0 (the standard's "undefined") for logicals, empty
 * strings. Strings are ASCII: other characters are written as '?'.
 */
export type FitsCell = number | bigint | string | boolean | null;

export interface FitsColumnSpec {
  readonly name: string;
  /** `L`, `B`, `I`, `J`, `K`, `E`, `D`, or `<n>A` for an n-character string. */
  readonly form: string;
  readonly unit?: string;
  /** Integer forms only: the stored value that means null (TNULLn). */
  readonly nullValue?: bigint;
}

export interface FitsTableSpec {
  readonly columns: readonly FitsColumnSpec[];
  readonly nRows: number;
  readonly cell: (row: number, column: number) => FitsCell;
  readonly extname?: string;
}

export interface FitsTableWriter {
  /** Appends `count` rows; `cell(row, column)` is asked with `row` from 0 to count - 1. */
  writeRows(count: number, cell: (row: number, column: number) => FitsCell): Promise<void>;
  /** Pads the data to a whole block and closes the file; fails if fewer or more rows came than announced. */
  close(): Promise<void>;
  /** Closes the file without checking (after a failure). */
  abort(): Promise<void>;
}

const WIDTHS: Record<string, number> = { L: 1, B: 1, I: 2, J: 4, K: 8, E: 4, D: 8 };
const INTEGER_FORMS = new Set(['B', 'I', 'J', 'K']);
const BATCH_BYTES = 1 << 20;

function widthOf(form: string): number {
  const text = /^(\d+)A$/.exec(form);
  if (text) return Number(text[1]);
  const width = WIDTHS[form];
  if (width === undefined) throw new Error(`fits-writer supports L, B, I, J, K, E, D and nA columns, not '${form}'`);
  return width;
}

/** FITS header text is printable ASCII. */
const asciiText = (text: string): string => text.replace(/[^\x20-\x7e]/g, '?');

const formatCard = (keyword: string, value: string | number | bigint | boolean): string => {
  const field =
    typeof value === 'string'
      ? `'${asciiText(value).replace(/'/g, "''").padEnd(8, ' ')}'`.padEnd(20, ' ')
      : typeof value === 'boolean'
        ? (value ? 'T' : 'F').padStart(20, ' ')
        : String(value).padStart(20, ' ');
  return `${keyword.padEnd(8, ' ')}= ${field}`.slice(0, CARD_BYTES).padEnd(CARD_BYTES, ' ');
};

function headerBytes(cards: readonly string[]): Buffer {
  const text = [...cards, 'END'.padEnd(CARD_BYTES, ' ')].join('');
  return Buffer.from(text.padEnd(Math.ceil(text.length / BLOCK_BYTES) * BLOCK_BYTES, ' '), 'ascii');
}

const integerOf = (value: FitsCell, nullValue: bigint | undefined): number => (value === null ? Number(nullValue ?? 0n) : Number(value));

function writeCell(target: Buffer, at: number, column: FitsColumnSpec, width: number, value: FitsCell): void {
  switch (column.form) {
    case 'L':
      target.writeUInt8(value === null ? 0 : value ? 0x54 : 0x46, at);
      return;
    case 'B':
      target.writeUInt8(integerOf(value, column.nullValue), at);
      return;
    case 'I':
      target.writeInt16BE(integerOf(value, column.nullValue), at);
      return;
    case 'J':
      target.writeInt32BE(integerOf(value, column.nullValue), at);
      return;
    case 'K':
      target.writeBigInt64BE(value === null ? (column.nullValue ?? 0n) : typeof value === 'bigint' ? value : BigInt(Math.trunc(Number(value))), at);
      return;
    case 'E':
      target.writeFloatBE(value === null ? Number.NaN : Number(value), at);
      return;
    case 'D':
      target.writeDoubleBE(value === null ? Number.NaN : Number(value), at);
      return;
    default:
      // Padded with NULs, which end a FITS string: trailing blanks would be kept by some readers.
      target.write(asciiText(String(value ?? '')).slice(0, width).padEnd(width, '\0'), at, width, 'latin1');
  }
}

function tableHeader(columns: readonly FitsColumnSpec[], rowBytes: number, nRows: number, extname: string | undefined): Buffer {
  return headerBytes([
    formatCard('XTENSION', 'BINTABLE'),
    formatCard('BITPIX', 8),
    formatCard('NAXIS', 2),
    formatCard('NAXIS1', rowBytes),
    formatCard('NAXIS2', nRows),
    formatCard('PCOUNT', 0),
    formatCard('GCOUNT', 1),
    formatCard('TFIELDS', columns.length),
    ...columns.flatMap((column, i) => [
      formatCard(`TTYPE${i + 1}`, column.name),
      formatCard(`TFORM${i + 1}`, column.form),
      ...(column.unit ? [formatCard(`TUNIT${i + 1}`, column.unit)] : []),
      ...(column.nullValue !== undefined && INTEGER_FORMS.has(column.form) ? [formatCard(`TNULL${i + 1}`, column.nullValue)] : []),
    ]),
    ...(extname ? [formatCard('EXTNAME', extname)] : []),
  ]);
}

/** Writes the headers (a primary HDU with no data, then the BINTABLE's) and returns a writer of its rows. */
export async function openFitsTableWriter(filePath: string, spec: Omit<FitsTableSpec, 'cell'>): Promise<FitsTableWriter> {
  const widths = spec.columns.map((column) => widthOf(column.form));
  const rowBytes = widths.reduce((sum, width) => sum + width, 0);
  const primary = headerBytes([formatCard('SIMPLE', true), formatCard('BITPIX', 8), formatCard('NAXIS', 0), formatCard('EXTEND', true)]);
  const handle: FileHandle = await open(filePath, 'w');
  let written = 0;
  try {
    await handle.write(primary);
    await handle.write(tableHeader(spec.columns, rowBytes, spec.nRows, spec.extname));
  } catch (cause) {
    await handle.close();
    throw cause;
  }
  const rowsPerBatch = Math.max(1, Math.floor(BATCH_BYTES / Math.max(rowBytes, 1)));
  const batch = Buffer.alloc(rowsPerBatch * rowBytes);
  return {
    async writeRows(count, cell) {
      if (written + count > spec.nRows) throw new Error(`the table was announced with ${spec.nRows} rows; row ${written + count} is one too many`);
      for (let first = 0; first < count; first += rowsPerBatch) {
        const n = Math.min(rowsPerBatch, count - first);
        for (let r = 0; r < n; r++) {
          let at = r * rowBytes;
          spec.columns.forEach((column, c) => {
            writeCell(batch, at, column, widths[c] ?? 0, cell(first + r, c));
            at += widths[c] ?? 0;
          });
        }
        await handle.write(batch, 0, n * rowBytes);
      }
      written += count;
    },
    async close() {
      try {
        if (written !== spec.nRows) throw new Error(`the table was announced with ${spec.nRows} rows but ${written} were written`);
        const padding = (BLOCK_BYTES - ((rowBytes * spec.nRows) % BLOCK_BYTES)) % BLOCK_BYTES;
        if (padding > 0) await handle.write(Buffer.alloc(padding));
      } finally {
        await handle.close();
      }
    },
    abort: () => handle.close(),
  };
}

export async function writeFitsTable(filePath: string, spec: FitsTableSpec): Promise<void> {
  const writer = await openFitsTableWriter(filePath, spec);
  try {
    await writer.writeRows(spec.nRows, spec.cell);
  } catch (cause) {
    await writer.abort();
    throw cause;
  }
  await writer.close();
}
