import { open } from 'node:fs/promises';
import { BLOCK_BYTES, CARD_BYTES } from './fits-header';

/**
 * A small BINTABLE writer for tests and benches: scalar columns only (L, B, I, J, K, E, D and
 * nA strings), rows streamed in batches so that files of any size can be written.
 */
export type FitsCell = number | bigint | string | boolean | null;

export interface FitsColumnSpec {
  readonly name: string;
  /** `L`, `B`, `I`, `J`, `K`, `E`, `D`, or `<n>A` for an n-character string. */
  readonly form: string;
}

export interface FitsTableSpec {
  readonly columns: readonly FitsColumnSpec[];
  readonly nRows: number;
  readonly cell: (row: number, column: number) => FitsCell;
  readonly extname?: string;
}

const WIDTHS: Record<string, number> = { L: 1, B: 1, I: 2, J: 4, K: 8, E: 4, D: 8 };
const BATCH_BYTES = 1 << 20;

function widthOf(form: string): number {
  const text = /^(\d+)A$/.exec(form);
  if (text) return Number(text[1]);
  const width = WIDTHS[form];
  if (width === undefined) throw new Error(`fits-writer supports L, B, I, J, K, E, D and nA columns, not '${form}'`);
  return width;
}

const formatCard = (keyword: string, value: string | number | boolean): string => {
  const field =
    typeof value === 'string'
      ? `'${value.replace(/'/g, "''").padEnd(8, ' ')}'`.padEnd(20, ' ')
      : typeof value === 'boolean'
        ? (value ? 'T' : 'F').padStart(20, ' ')
        : String(value).padStart(20, ' ');
  return `${keyword.padEnd(8, ' ')}= ${field}`.padEnd(CARD_BYTES, ' ');
};

function headerBytes(cards: readonly string[]): Buffer {
  const text = [...cards, 'END'.padEnd(CARD_BYTES, ' ')].join('');
  return Buffer.from(text.padEnd(Math.ceil(text.length / BLOCK_BYTES) * BLOCK_BYTES, ' '), 'ascii');
}

function writeCell(target: Buffer, at: number, form: string, width: number, value: FitsCell): void {
  switch (form) {
    case 'L':
      target.writeUInt8(value === null ? 0 : value ? 0x54 : 0x46, at);
      return;
    case 'B':
      target.writeUInt8(Number(value ?? 0), at);
      return;
    case 'I':
      target.writeInt16BE(Number(value ?? 0), at);
      return;
    case 'J':
      target.writeInt32BE(Number(value ?? 0), at);
      return;
    case 'K':
      target.writeBigInt64BE(typeof value === 'bigint' ? value : BigInt(Number(value ?? 0)), at);
      return;
    case 'E':
      target.writeFloatBE(value === null ? Number.NaN : Number(value), at);
      return;
    case 'D':
      target.writeDoubleBE(value === null ? Number.NaN : Number(value), at);
      return;
    default:
      target.write(String(value ?? '').slice(0, width).padEnd(width, ' '), at, width, 'latin1');
  }
}

export async function writeFitsTable(filePath: string, spec: FitsTableSpec): Promise<void> {
  const widths = spec.columns.map((column) => widthOf(column.form));
  const rowBytes = widths.reduce((sum, width) => sum + width, 0);
  const primary = headerBytes([formatCard('SIMPLE', true), formatCard('BITPIX', 8), formatCard('NAXIS', 0), formatCard('EXTEND', true)]);
  const table = headerBytes([
    formatCard('XTENSION', 'BINTABLE'),
    formatCard('BITPIX', 8),
    formatCard('NAXIS', 2),
    formatCard('NAXIS1', rowBytes),
    formatCard('NAXIS2', spec.nRows),
    formatCard('PCOUNT', 0),
    formatCard('GCOUNT', 1),
    formatCard('TFIELDS', spec.columns.length),
    ...spec.columns.flatMap((column, i) => [formatCard(`TTYPE${i + 1}`, column.name), formatCard(`TFORM${i + 1}`, column.form)]),
    ...(spec.extname ? [formatCard('EXTNAME', spec.extname)] : []),
  ]);
  const handle = await open(filePath, 'w');
  try {
    await handle.write(primary);
    await handle.write(table);
    const rowsPerBatch = Math.max(1, Math.floor(BATCH_BYTES / Math.max(rowBytes, 1)));
    const batch = Buffer.alloc(rowsPerBatch * rowBytes);
    for (let first = 0; first < spec.nRows; first += rowsPerBatch) {
      const count = Math.min(rowsPerBatch, spec.nRows - first);
      for (let r = 0; r < count; r++) {
        let at = r * rowBytes;
        spec.columns.forEach((column, c) => {
          writeCell(batch, at, column.form, widths[c] ?? 0, spec.cell(first + r, c));
          at += widths[c] ?? 0;
        });
      }
      await handle.write(batch, 0, count * rowBytes);
    }
    const dataBytes = rowBytes * spec.nRows;
    const padding = (BLOCK_BYTES - (dataBytes % BLOCK_BYTES)) % BLOCK_BYTES;
    if (padding > 0) await handle.write(Buffer.alloc(padding));
  } finally {
    await handle.close();
  }
}
