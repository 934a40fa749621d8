import { isUtf8 } from 'node:buffer';
import { ok, type Result } from '@pz/contracts';
import { fileUnavailable, tableFailure, type TableError } from '../errors';
import { withFileRangeReader } from '../file-range-reader';
import type { ReadContext, ReadMeter, RowIndex, RowWindow, TableRow, TableSlice } from '../types';
import { looksBinary, sniffCsvDialect, type CsvDialect } from './csv-dialect';
import { readCsvRecords, RecordTooLargeError } from './csv-records';
import { convertCsvValue, inferColumnTypes } from './csv-values';
import { ROW_INDEX_EVERY, scanRecords, type ScanOutcome } from './record-scan.mjs';
import { scanRecordsInWorker } from './scan-records-in-worker';

/** Enough lines to sniff a dialect; a longer first line is not a table row. */
const SNIFF_BYTES = 1 << 20;
/** Text tables up to this size are counted on the calling thread (a few ms); larger ones in a worker. */
const INLINE_SCAN_BYTES = 4 << 20;
/** Enough bytes to tell text from binary data. */
const BINARY_SNIFF_BYTES = 1 << 16;
/** Column types come from this many leading rows, whatever window is asked for. */
const TYPE_SAMPLE_ROWS = 1000;

const DELIMITER_DETAIL: Record<CsvDialect['delimiter'], string> = {
  ',': ',',
  ';': ';',
  '\t': '\t',
  // pandas spells "runs of whitespace" this way (`sep=r"\s+"`), which is what clients pass on.
  whitespace: '\\s+',
};

/** Blank and repeated names get pandas' spelling (`Unnamed: 2`, `z.1`), so every key is unique. */
function uniqueNames(raw: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return raw.map((name, index) => {
    const base = name.trim() === '' ? `Unnamed: ${index}` : name.trim();
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}.${count}`;
  });
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

type SniffOutcome =
  | { readonly dialect: CsvDialect; readonly size: number; readonly loneCarriageReturns: boolean }
  | { readonly failure: Result<never, TableError> };

async function sniff(filePath: string, context: ReadContext): Promise<SniffOutcome> {
  const sample = await withFileRangeReader(filePath, context.meter, async (reader) => {
    if (reader.size === 0) return null;
    return { bytes: await reader.read(0, SNIFF_BYTES), complete: reader.size <= SNIFF_BYTES, size: reader.size };
  });
  if (!sample) return { failure: tableFailure('TABLE_EMPTY', 'The file is empty (0 bytes).') };
  // The first 64 KB tell text from binary; the whole megabyte took ~100 ms of the event loop.
  if (looksBinary(sample.bytes.subarray(0, BINARY_SNIFF_BYTES))) {
    return {
      failure: tableFailure(
        'TABLE_UNREADABLE',
        'The file is binary data, not a text table, and not Parquet, FITS, HDF5 or a zip/tar archive either.',
      ),
    };
  }
  const notUtf8 = firstInvalidUtf8Line(sample.bytes);
  if (notUtf8 !== null) {
    return { failure: tableFailure('TABLE_UNREADABLE', `The text is not valid UTF-8 (line ${notUtf8} holds bytes that are not); save the table as UTF-8.`) };
  }
  // Buffer's UTF-8 decoding, not TextDecoder's: the megabyte took ~10 ms of the event loop with the latter.
  let text = Buffer.from(sample.bytes.buffer, sample.bytes.byteOffset, sample.bytes.byteLength).toString('utf8').replace(/^\uFEFF/, '');
  if (!sample.complete) {
    const lastNewline = text.lastIndexOf('\n');
    if (lastNewline < 0) {
      return { failure: tableFailure('TABLE_UNREADABLE', 'The first line is longer than 1 MB: this is not a text table.') };
    }
    text = text.slice(0, lastNewline);
  }
  // The guess is the longest step; other requests go first (a registry must not hold them).
  await yieldToEventLoop();
  const dialect = sniffCsvDialect(text);
  if (!dialect) return { failure: tableFailure('TABLE_EMPTY', 'The file holds no records, only blank or comment lines.') };
  // Old Mac line ends (a lone CR) are left to the full parser, which detects them.
  return { dialect, size: sample.size, loneCarriageReturns: /\r(?!\n)/.test(text) };
}

/** The 1-based line of the first byte sequence that is not UTF-8, or null; a sequence cut by the sample's end is not counted. */
function firstInvalidUtf8Line(bytes: Uint8Array): number | null {
  // The common case at memory speed; TextDecoder only for invalid text or a sequence cut at the end.
  if (isUtf8(bytes)) return null;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return null;
  } catch {
    const text = new TextDecoder('utf-8').decode(bytes);
    return text.slice(0, text.indexOf('\uFFFD')).split('\n').length;
  }
}

function csvFailure(cause: unknown): Result<never, TableError> {
  if (cause instanceof RecordTooLargeError) return tableFailure('TABLE_UNREADABLE', `The text table could not be read: ${cause.message}.`);
  if (cause instanceof Error && 'code' in cause && typeof cause.code === 'string' && cause.code.startsWith('CSV_')) {
    return tableFailure('TABLE_UNREADABLE', `The CSV could not be parsed: ${cause.message}`);
  }
  return fileUnavailable(cause);
}

/** The scan's failures in the words the full parser's checks used. */
function scanFailure(outcome: Extract<ScanOutcome, { ok: false }>): Result<never, TableError> {
  switch (outcome.kind) {
    case 'ragged':
      return raggedLine(outcome.line ?? 0, outcome.fields ?? 0, outcome.width ?? 0);
    case 'utf8':
      return tableFailure('TABLE_UNREADABLE', `The text is not valid UTF-8 (line ${outcome.line ?? 0} holds bytes that are not); save the table as UTF-8.`);
    case 'quote':
      return tableFailure('TABLE_UNREADABLE', `The CSV could not be parsed: ${outcome.message}.`);
    case 'too-large':
      return tableFailure('TABLE_UNREADABLE', `The text table could not be read: ${outcome.message}.`);
  }
}

const raggedLine = (line: number, fields: number, width: number): Result<never, TableError> =>
  tableFailure(
    'TABLE_UNREADABLE',
    `Line ${line} has ${fields} field${fields === 1 ? '' : 's'} where the table has ${width} column${width === 1 ? '' : 's'}; every row must have the same number of fields.`,
  );

/** A record's fields against the header's width: a trailing delimiter's empty field is dropped; null when ragged. */
function fitted(rawFields: string[], width: number): string[] | null {
  // A trailing delimiter ("1,2,3,") adds an empty last field that no header names.
  const fields = rawFields.length === width + 1 && rawFields.at(-1)?.trim() === '' ? rawFields.slice(0, -1) : rawFields;
  return fields.length === width ? fields : null;
}

interface Counted {
  readonly nRows: number;
  readonly rowIndex: RowIndex;
}

/**
 * Counts the rows with the byte scanner in a worker thread: record boundaries and fields per
 * record, no values. Null when the dialect is one only the full parser handles (lone CR line ends).
 */
async function countRows(filePath: string, dialect: CsvDialect, sniffed: { size: number; loneCarriageReturns: boolean }, context: ReadContext): Promise<Result<Counted, TableError> | null> {
  if (sniffed.loneCarriageReturns) return null;
  const headerRecords = dialect.hasHeader ? 1 : 0;
  const request = { filePath, dialect: { delimiter: dialect.delimiter, hasComments: dialect.hasComments }, headerRecords };
  const onProgress = (bytes: number) => context.onProgress?.(bytes, sniffed.size);
  // A small file is scanned in a few milliseconds: cheaper here than starting a worker thread.
  const outcome =
    sniffed.size <= INLINE_SCAN_BYTES ? scanRecords(filePath, request.dialect, { headerRecords, onProgress }) : await scanRecordsInWorker(request, onProgress);
  if (context.meter) {
    context.meter.bytesRead += outcome.ok ? outcome.bytes : 0;
    context.meter.reads += 1;
  }
  if (!outcome.ok) return scanFailure(outcome);
  if (outcome.records === 0) return tableFailure('TABLE_EMPTY', 'The file holds no records, only blank or comment lines.');
  return ok({ nRows: outcome.records - headerRecords, rowIndex: { every: ROW_INDEX_EVERY, offsets: outcome.rowIndex } });
}

/** Rows of a window far into the file, read from the nearest indexed row before it. */
async function windowFromIndex(filePath: string, dialect: CsvDialect, index: RowIndex, window: RowWindow, width: number, meter: ReadMeter | undefined): Promise<Result<string[][], TableError>> {
  const slot = Math.min(Math.floor(window.offset / index.every), index.offsets.length - 1);
  const start = index.offsets[slot];
  if (start === undefined) return ok([]);
  let row = slot * index.every;
  const rows: string[][] = [];
  const windowEnd = window.offset + window.limit;
  for await (const { fields: rawFields, line } of readCsvRecords(filePath, dialect, meter, start)) {
    if (row >= windowEnd) break;
    if (row >= window.offset) {
      const fields = fitted(rawFields, width);
      if (!fields) return raggedLine(line, rawFields.length, width);
      rows.push(fields);
    }
    row += 1;
  }
  return ok(rows);
}

interface LeadingRows {
  /** Null when the file holds no record. */
  readonly names: string[] | null;
  /** Rows read, up to `stopAfter`. */
  readonly nRows: number;
  readonly typeSample: string[][];
  /** The window's rows among them (none when the window is to be read from the row index). */
  readonly windowRows: string[][];
}

/** The column names, the type sample and the window's rows, parsed from the leading records up to `stopAfter` rows. */
async function readLeadingRows(filePath: string, dialect: CsvDialect, window: RowWindow, stopAfter: number, seek: boolean, meter: ReadMeter | undefined): Promise<Result<LeadingRows, TableError>> {
  let names: string[] | null = null;
  let nRows = 0;
  const typeSample: string[][] = [];
  const windowRows: string[][] = [];
  const windowEnd = window.offset + window.limit;
  try {
    for await (const { fields: rawFields, line } of readCsvRecords(filePath, dialect, meter)) {
      if (names === null) {
        names = uniqueNames(dialect.hasHeader ? rawFields : (dialect.commentedHeader ?? rawFields.map((_, i) => String(i))));
        if (dialect.hasHeader) continue;
      }
      const fields = fitted(rawFields, names.length);
      if (!fields) return raggedLine(line, rawFields.length, names.length);
      if (nRows < TYPE_SAMPLE_ROWS) typeSample.push(fields);
      if (!seek && nRows >= window.offset && nRows < windowEnd) windowRows.push(fields);
      nRows += 1;
      if (nRows >= stopAfter) break;
    }
  } catch (cause) {
    return csvFailure(cause);
  }
  return ok({ names, nRows, typeSample, windowRows });
}

/**
 * Reads a CSV/TXT table. Without a known count, the rows are counted by the byte scanner in a
 * worker thread (record boundaries, not values), which also finds ragged rows and keeps a row
 * index; the columns' names and types and the window's rows are parsed from the leading rows
 * only, while the scan runs when the window lies within the type sample. A window past the type
 * sample seeks with the row index when there is one.
 */
export async function readCsvTable(filePath: string, window: RowWindow, context: ReadContext): Promise<Result<TableSlice, TableError>> {
  const sniffed = await sniff(filePath, context);
  if ('failure' in sniffed) return sniffed.failure;
  const { dialect } = sniffed;

  let knownRowCount = context.knownRowCount;
  let rowIndex = context.rowIndex;
  let counted: Counted | null = null;
  const windowEnd = window.offset + window.limit;
  const scanning = knownRowCount === undefined ? countRows(filePath, dialect, sniffed, context).catch((cause: unknown) => fileUnavailable(cause)) : null;
  // A window within the type sample never seeks, so its rows are parsed while the scan counts;
  // the scan counts unless the line ends are lone CRs, and then the parse stops at the window.
  const early = window.offset < TYPE_SAMPLE_ROWS;
  const countKnown = knownRowCount !== undefined || !sniffed.loneCarriageReturns;
  const leadingEarly = early ? readLeadingRows(filePath, dialect, window, countKnown ? Math.max(windowEnd, TYPE_SAMPLE_ROWS) : Number.POSITIVE_INFINITY, false, context.meter) : null;
  if (scanning) {
    const scan = await scanning;
    if (scan && !scan.ok) {
      // The scan's verdict comes first (as when it ran alone); the parse ends at its window anyway.
      await leadingEarly;
      return scan;
    }
    if (scan) {
      counted = scan.value;
      knownRowCount = counted.nRows;
      rowIndex = counted.rowIndex;
    }
  }

  // A window past the type sample is read from the row index, when there is one.
  const seek = rowIndex !== undefined && rowIndex.offsets.length > 0 && window.offset >= TYPE_SAMPLE_ROWS;
  // With the count known, reading stops once the window and the type sample are in.
  const stopAfter = knownRowCount === undefined ? Number.POSITIVE_INFINITY : seek ? TYPE_SAMPLE_ROWS : Math.max(windowEnd, TYPE_SAMPLE_ROWS);
  const leading = await (leadingEarly ?? readLeadingRows(filePath, dialect, window, stopAfter, seek, context.meter));
  if (!leading.ok) return leading;
  const { names, nRows, typeSample } = leading.value;
  let { windowRows } = leading.value;
  if (seek && rowIndex && names !== null && nRows >= stopAfter) {
    try {
      const deep = await windowFromIndex(filePath, dialect, rowIndex, window, names.length, context.meter);
      if (!deep.ok) return deep;
      windowRows = deep.value;
    } catch (cause) {
      return csvFailure(cause);
    }
  }
  if (names === null) return tableFailure('TABLE_EMPTY', 'The file holds no records, only blank or comment lines.');

  const columnNames = names;
  const types = inferColumnTypes(typeSample, columnNames.length);
  const rows = windowRows.map((fields) => {
    const row: TableRow = {};
    columnNames.forEach((name, column) => {
      row[name] = convertCsvValue(fields[column] ?? '', types[column] ?? 'string');
    });
    return row;
  });
  return ok({
    format: 'csv',
    columns: columnNames.map((name, column) => ({ name, type: types[column] ?? 'string' })),
    nRows: nRows >= stopAfter ? (knownRowCount ?? nRows) : nRows,
    rows,
    details: {
      delimiter: DELIMITER_DETAIL[dialect.delimiter],
      has_header: dialect.hasHeader || dialect.commentedHeader !== null,
      ...(dialect.hasComments ? { comment: '#' } : {}),
    },
    ...(counted ? { rowIndex: counted.rowIndex } : {}),
  });
}
