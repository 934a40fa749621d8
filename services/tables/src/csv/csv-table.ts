import { ok, type Result } from '@pz/contracts';
import { fileUnavailable, tableFailure, type TableError } from '../errors';
import { withFileRangeReader } from '../file-range-reader';
import type { ReadContext, RowWindow, TableRow, TableSlice } from '../types';
import { looksBinary, sniffCsvDialect, type CsvDialect } from './csv-dialect';
import { readCsvRecords, RecordTooLargeError } from './csv-records';
import { convertCsvValue, inferColumnTypes } from './csv-values';

/** Enough lines to sniff a dialect; a longer first line is not a table row. */
const SNIFF_BYTES = 1 << 20;
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

type SniffOutcome = { readonly dialect: CsvDialect } | { readonly failure: Result<never, TableError> };

async function sniff(filePath: string, context: ReadContext): Promise<SniffOutcome> {
  const sample = await withFileRangeReader(filePath, context.meter, async (reader) => {
    if (reader.size === 0) return null;
    return { bytes: await reader.read(0, SNIFF_BYTES), complete: reader.size <= SNIFF_BYTES };
  });
  if (!sample) return { failure: tableFailure('TABLE_EMPTY', 'The file is empty (0 bytes).') };
  if (looksBinary(sample.bytes)) {
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
  let text = new TextDecoder('utf-8').decode(sample.bytes).replace(/^\uFEFF/, '');
  if (!sample.complete) {
    const lastNewline = text.lastIndexOf('\n');
    if (lastNewline < 0) {
      return { failure: tableFailure('TABLE_UNREADABLE', 'The first line is longer than 1 MB: this is not a text table.') };
    }
    text = text.slice(0, lastNewline);
  }
  const dialect = sniffCsvDialect(text);
  if (!dialect) return { failure: tableFailure('TABLE_EMPTY', 'The file holds no records, only blank or comment lines.') };
  return { dialect };
}

/** The 1-based line of the first byte sequence that is not UTF-8, or null; a sequence cut by the sample's end is not counted. */
function firstInvalidUtf8Line(bytes: Uint8Array): number | null {
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

/**
 * Reads a CSV/TXT table in one streaming pass: it counts every row (the file is never held in
 * memory), keeps the leading rows for type inference and the rows of the requested window. With
 * `context.knownRowCount` it stops once it has both, and reports that count.
 */
export async function readCsvTable(filePath: string, window: RowWindow, context: ReadContext): Promise<Result<TableSlice, TableError>> {
  const sniffed = await sniff(filePath, context);
  if ('failure' in sniffed) return sniffed.failure;
  const { dialect } = sniffed;

  let names: string[] | null = null;
  let nRows = 0;
  const typeSample: string[][] = [];
  const windowRows: string[][] = [];
  const windowEnd = window.offset + window.limit;
  // With the count known, reading stops once the window and the type sample are in.
  const stopAfter = context.knownRowCount === undefined ? Number.POSITIVE_INFINITY : Math.max(windowEnd, TYPE_SAMPLE_ROWS);
  try {
    for await (const { fields: rawFields, line } of readCsvRecords(filePath, dialect, context.meter)) {
      if (names === null) {
        names = uniqueNames(dialect.hasHeader ? rawFields : (dialect.commentedHeader ?? rawFields.map((_, i) => String(i))));
        if (dialect.hasHeader) continue;
      }
      // A trailing delimiter ("1,2,3,") adds an empty last field that no header names.
      const fields = rawFields.length === names.length + 1 && rawFields.at(-1)?.trim() === '' ? rawFields.slice(0, -1) : rawFields;
      if (fields.length !== names.length) {
        return tableFailure(
          'TABLE_UNREADABLE',
          `Line ${line} has ${fields.length} field${fields.length === 1 ? '' : 's'} where the table has ${names.length} column${names.length === 1 ? '' : 's'}; every row must have the same number of fields.`,
        );
      }
      if (nRows < TYPE_SAMPLE_ROWS) typeSample.push(fields);
      if (nRows >= window.offset && nRows < windowEnd) windowRows.push(fields);
      nRows += 1;
      if (nRows >= stopAfter) break;
    }
  } catch (cause) {
    return csvFailure(cause);
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
    nRows: nRows >= stopAfter ? (context.knownRowCount ?? nRows) : nRows,
    rows,
    details: {
      delimiter: DELIMITER_DETAIL[dialect.delimiter],
      has_header: dialect.hasHeader || dialect.commentedHeader !== null,
      ...(dialect.hasComments ? { comment: '#' } : {}),
    },
  });
}
