import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { ReadMeter } from '../types';
import { splitWhitespace, type CsvDialect } from './csv-dialect';

export interface CsvRecord {
  readonly fields: string[];
  /** 1-based line number in the file, for error messages. */
  readonly line: number;
}

/** A single record (or line) larger than this is garbage, not a catalog row. */
export const MAX_RECORD_BYTES = 1 << 20;

export class RecordTooLargeError extends Error {}

function meteredStream(filePath: string, meter: ReadMeter | undefined, start: number): Readable {
  // 16 KB: csv-parse takes a whole chunk at once on the main thread (a 64 KB one held the event
  // loop ~10 ms during a registry), and a page needs only its rows.
  const stream = createReadStream(filePath, { highWaterMark: 1 << 14, start });
  if (meter) {
    stream.on('data', (chunk: Buffer | string) => {
      meter.bytesRead += chunk.length;
      meter.reads += 1;
    });
  }
  return stream;
}

interface ParsedWithInfo {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

async function* delimitedRecords(filePath: string, dialect: CsvDialect, meter: ReadMeter | undefined, start: number): AsyncGenerator<CsvRecord> {
  const source = meteredStream(filePath, meter, start);
  const parser = source.pipe(
    parse({
      delimiter: dialect.delimiter,
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_quotes: true,
      // Ragged rows are checked by the caller, which knows the header width and says so.
      relax_column_count: true,
      max_record_size: MAX_RECORD_BYTES,
      ...(dialect.hasComments ? { comment: '#', comment_no_infix: true } : {}),
    }),
  );
  source.on('error', (error) => parser.destroy(error));
  try {
    for await (const parsed of parser as AsyncIterable<ParsedWithInfo>) {
      yield { fields: parsed.record, line: parsed.info.lines };
    }
  } finally {
    source.destroy();
    parser.destroy();
  }
}

/** Runs of whitespace cannot be a csv-parse delimiter, so these lines are split here. */
async function* whitespaceRecords(filePath: string, dialect: CsvDialect, meter: ReadMeter | undefined, start: number): AsyncGenerator<CsvRecord> {
  const source = meteredStream(filePath, meter, start);
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  let line = 0;
  const recordOf = (text: string): CsvRecord | null => {
    line += 1;
    const content = (line === 1 ? text.replace(/^\uFEFF/, '') : text).replace(/\r$/, '');
    if (content.trim() === '' || (dialect.hasComments && content.trimStart().startsWith('#'))) return null;
    return { fields: splitWhitespace(content), line };
  };
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      carry += decoder.decode(chunk, { stream: true });
      let start = 0;
      for (let newline = carry.indexOf('\n'); newline >= 0; newline = carry.indexOf('\n', start)) {
        const record = recordOf(carry.slice(start, newline));
        if (record) yield record;
        start = newline + 1;
      }
      carry = carry.slice(start);
      if (carry.length > MAX_RECORD_BYTES) throw new RecordTooLargeError(`line ${line + 1} is longer than 1 MB`);
    }
    carry += decoder.decode();
    const last = recordOf(carry);
    if (last) yield last;
  } finally {
    source.destroy();
  }
}

/**
 * Streams the records of a text table; memory stays flat whatever the file size. `start` is the
 * byte offset of a record (from the row index) to begin at; line numbers then count from there.
 */
export const readCsvRecords = (filePath: string, dialect: CsvDialect, meter?: ReadMeter, start = 0): AsyncGenerator<CsvRecord> =>
  dialect.delimiter === 'whitespace' ? whitespaceRecords(filePath, dialect, meter, start) : delimitedRecords(filePath, dialect, meter, start);
