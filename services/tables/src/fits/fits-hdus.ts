import { err, ok, type Result } from '@pz/contracts';
import { tableFailure, type TableError } from '../errors';
import type { FileRangeReader } from '../file-range-reader';
import { tableReaderLimits } from '../reader-limits';
import { BLOCK_BYTES, FitsHeaderParser, type FitsHeader } from './fits-header';

/** 100,000 cards; a real header is a few hundred. Past this the file is not FITS. */
const MAX_HEADER_BLOCKS = 2800;
/** Guards the walk against a crafted file of endless empty extensions. */
const MAX_HDUS = 10_000;

export interface FitsHdu {
  readonly index: number;
  readonly header: FitsHeader;
  readonly dataStart: number;
  /** Data bytes as the header declares them, before padding to a whole block. */
  readonly dataBytes: number;
}

export type TableExtension = 'BINTABLE' | 'TABLE';

export interface FitsTableHdu extends FitsHdu {
  readonly xtension: TableExtension;
}

const padded = (bytes: number): number => Math.ceil(bytes / BLOCK_BYTES) * BLOCK_BYTES;

/** Header blocks the whole walk may still parse (`fitsMaxHeaderBytes`). */
interface HeaderBudget {
  blocksLeft: number;
}

async function readHeader(reader: FileRangeReader, start: number, index: number, budget: HeaderBudget): Promise<Result<FitsHdu, TableError>> {
  const parser = new FitsHeaderParser();
  const where = index === 0 ? 'primary header' : `header of extension ${index}`;
  for (let blockIndex = 0; blockIndex < MAX_HEADER_BLOCKS; blockIndex++) {
    if (budget.blocksLeft <= 0) {
      return tableFailure('TABLE_LIMIT_EXCEEDED', `The FITS headers before the table (at the ${where}) are longer than the ${tableReaderLimits().fitsMaxHeaderBytes} bytes read here to find it.`);
    }
    budget.blocksLeft -= 1;
    const position = start + blockIndex * BLOCK_BYTES;
    const block = await reader.read(position, BLOCK_BYTES);
    if (block.length < BLOCK_BYTES) {
      return tableFailure('TABLE_TRUNCATED', `The FITS ${where} is cut off at byte ${position + block.length}, before its END card: the file is truncated.`);
    }
    const outcome = parser.addBlock(block);
    if (outcome.status === 'corrupt') return tableFailure('TABLE_UNREADABLE', `The FITS ${where} is corrupted: ${outcome.reason}.`);
    if (outcome.status === 'end') {
      const header = parser.header();
      const dataBytes = declaredDataBytes(header);
      if (!dataBytes.ok) return tableFailure('TABLE_UNREADABLE', `The FITS ${where} is corrupted: ${dataBytes.error}.`);
      return ok({ index, header, dataStart: position + BLOCK_BYTES, dataBytes: dataBytes.value });
    }
  }
  return tableFailure('TABLE_UNREADABLE', `The FITS ${where} has no END card in its first ${MAX_HEADER_BLOCKS} blocks.`);
}

/** |BITPIX|/8 x GCOUNT x (PCOUNT + NAXIS1 x ... x NAXISn), the size rule every HDU follows. */
function declaredDataBytes(header: FitsHeader): Result<number, string> {
  const bitpix = header.integer('BITPIX');
  const naxis = header.integer('NAXIS');
  if (bitpix === null || ![8, 16, 32, 64, -32, -64].includes(bitpix)) return err('BITPIX is missing or invalid');
  if (naxis === null || naxis < 0 || naxis > 999) return err('NAXIS is missing or invalid');
  if (naxis === 0) return ok(0);
  // Random groups (GROUPS = T) put NAXIS1 = 0 and leave it out of the product.
  const firstAxis = header.logical('GROUPS') === true && header.integer('NAXIS1') === 0 ? 2 : 1;
  let elements = 1;
  for (let axis = firstAxis; axis <= naxis; axis++) {
    const length = header.integer(`NAXIS${axis}`);
    if (length === null || length < 0) {
      const card = header.raw(`NAXIS${axis}`);
      const shown = card?.kind === 'invalid' ? ` (it reads '${card.text}')` : '';
      return err(`NAXIS${axis} is missing or not a non-negative integer${shown}`);
    }
    elements *= length;
  }
  const pcount = header.integer('PCOUNT') ?? 0;
  const gcount = header.integer('GCOUNT') ?? 1;
  return ok((Math.abs(bitpix) / 8) * gcount * (pcount + elements));
}

/**
 * Walks header to header (skipping data by its declared size) until the first table extension.
 * Only headers are read, so finding a table after a large image costs a few blocks.
 */
export async function findFirstTableHdu(reader: FileRangeReader): Promise<Result<FitsTableHdu, TableError>> {
  const firstCard = String.fromCharCode(...(await reader.read(0, 9)));
  if (firstCard !== 'SIMPLE  =') return tableFailure('TABLE_UNREADABLE', 'This is not a FITS file: it does not begin with SIMPLE = T.');
  const budget: HeaderBudget = { blocksLeft: Math.floor(tableReaderLimits().fitsMaxHeaderBytes / BLOCK_BYTES) };
  const primary = await readHeader(reader, 0, 0, budget);
  if (!primary.ok) return primary;
  if (primary.value.header.logical('SIMPLE') !== true) {
    return tableFailure('TABLE_UNREADABLE', 'This is not a standard FITS file: the primary header lacks SIMPLE = T.');
  }
  const kinds: string[] = ['primary'];
  let hdu = primary.value;
  for (let index = 1; index < MAX_HDUS; index++) {
    const next = hdu.dataStart + padded(hdu.dataBytes);
    if (next >= reader.size) break;
    const extension = await readHeader(reader, next, index, budget);
    if (!extension.ok) return extension;
    hdu = extension.value;
    const xtension = hdu.header.text('XTENSION')?.trim();
    if (xtension === 'BINTABLE' || xtension === 'A3DTABLE') return ok({ ...hdu, xtension: 'BINTABLE' });
    if (xtension === 'TABLE') return ok({ ...hdu, xtension: 'TABLE' });
    kinds.push(xtension ?? 'unnamed');
  }
  return tableFailure(
    'TABLE_NOT_FOUND',
    `The FITS file holds no table extension (BINTABLE or TABLE); its HDUs are: ${kinds.join(', ')}.`,
  );
}
