import { isNumericText } from './csv-values';

export type CsvDelimiter = ',' | ';' | '\t' | 'whitespace';

export interface CsvDialect {
  readonly delimiter: CsvDelimiter;
  readonly hasHeader: boolean;
  /** Lines starting with `#` are comments (astropy and many survey exports write them). */
  readonly hasComments: boolean;
  /** Column names taken from the last leading comment line (astropy's `commented_header`). */
  readonly commentedHeader: string[] | null;
}

const CHARACTER_DELIMITERS = [',', '\t', ';'] as const;
const SNIFF_LINES = 200;

/** Splits one line on a delimiter, honouring double quotes (`""` is a literal quote). */
export function splitDelimited(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (char === delimiter) {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}

const WHITESPACE_TOKEN = /"((?:[^"]|"")*)"|(\S+)/g;

/** Splits on runs of whitespace; a double-quoted token may contain spaces. */
export function splitWhitespace(line: string): string[] {
  const tokens: string[] = [];
  for (const match of line.matchAll(WHITESPACE_TOKEN)) {
    tokens.push(match[1] !== undefined ? match[1].replace(/""/g, '"') : (match[2] ?? ''));
  }
  return tokens;
}

export const splitLine = (line: string, delimiter: CsvDelimiter): string[] =>
  delimiter === 'whitespace' ? splitWhitespace(line) : splitDelimited(line, delimiter);

const isComment = (line: string): boolean => line.trimStart().startsWith('#');

/** The lines of `text` that are not blank, in order, cut at `\n`, `\r\n` or a lone `\r`. */
function* nonBlankLines(text: string): Generator<string> {
  const ends = /\r?\n|\r/g;
  let start = 0;
  for (;;) {
    const match = ends.exec(text);
    const line = text.slice(start, match ? match.index : text.length);
    if (line.trim() !== '') yield line;
    if (!match) return;
    start = ends.lastIndex;
  }
}

const allEqual = (counts: readonly number[]): boolean => counts.every((count) => count === counts[0]);

/** How many columns hold only numbers below the first row (which may be a header); the first row counts when it is the only one. */
function numericColumns(rows: readonly string[][]): number {
  const body = rows.length > 1 ? rows.slice(1) : rows;
  const width = rows[0]?.length ?? 0;
  let count = 0;
  for (let column = 0; column < width; column++) {
    const values = body.map((row) => (row[column] ?? '').trim()).filter((value) => value !== '');
    if (values.length > 0 && values.every(isNumericText)) count++;
  }
  return count;
}

function chooseDelimiter(lines: readonly string[]): CsvDelimiter {
  const fieldCounts = (delimiter: CsvDelimiter) => lines.map((line) => splitLine(line, delimiter).length);
  const consistent = (delimiter: CsvDelimiter) => {
    const counts = fieldCounts(delimiter);
    return allEqual(counts) && (counts[0] ?? 0) > 1;
  };
  // Of the delimiters that split every line alike, the one that yields the most numeric columns:
  // a whitespace table whose text column holds `;` or `,` in every row ("ok;good") splits
  // consistently on that character too, into fewer columns and no numeric one.
  const candidates = [...CHARACTER_DELIMITERS, 'whitespace' as const].filter(consistent);
  const best = candidates
    .map((delimiter, order) => ({ delimiter, order, numeric: numericColumns(lines.map((line) => splitLine(line, delimiter))) }))
    .sort((a, b) => b.numeric - a.numeric || a.order - b.order)[0];
  if (best) return best.delimiter;
  // No delimiter splits every line alike: keep the one the first line uses most, so the
  // ragged line is reported against it rather than read as a one-column table.
  const widest = [...CHARACTER_DELIMITERS, 'whitespace' as const]
    .map((delimiter) => ({ delimiter, width: fieldCounts(delimiter)[0] ?? 0 }))
    .filter(({ width }) => width > 1)
    .sort((a, b) => b.width - a.width)[0];
  return widest?.delimiter ?? ',';
}

function firstRowIsHeader(rows: readonly string[][]): boolean {
  const [first, ...rest] = rows;
  if (!first) return false;
  const names = first.map((field) => field.trim());
  if (names.some((name) => name === '')) return false;
  const namesAreText = names.every((name) => !isNumericText(name));
  if (rest.length === 0) return namesAreText;
  const numericBelowTextAbove = names.some((name, column) => {
    const below = rest.map((row) => (row[column] ?? '').trim()).filter((value) => value !== '');
    return !isNumericText(name) && below.length > 0 && below.every(isNumericText);
  });
  return numericBelowTextAbove || (namesAreText && new Set(names).size === names.length);
}

/**
 * Guesses delimiter and header from the first lines, as the reference server (pandas +
 * csv.Sniffer) does: the delimiter that splits every line into the same number (> 1) of
 * fields wins (comma, then tab, then semicolon, then runs of whitespace); the first line is a
 * header when it is text above numbers.
 */
export function sniffCsvDialect(sample: string): CsvDialect | null {
  // Only the lines the guess needs are cut out: splitting the whole megabyte sample held the event
  // loop for tens of milliseconds.
  const leadingComments: string[] = [];
  const lines: string[] = [];
  for (const line of nonBlankLines(sample)) {
    if (lines.length === 0 && isComment(line)) leadingComments.push(line);
    else if (!(leadingComments.length > 0 && isComment(line))) lines.push(line);
    if (lines.length >= SNIFF_LINES) break;
  }
  const hasComments = leadingComments.length > 0;
  if (lines.length === 0) return null;

  const delimiter = chooseDelimiter(lines);
  const rows = lines.map((line) => splitLine(line, delimiter));
  const hasHeader = firstRowIsHeader(rows);
  const width = rows[0]?.length ?? 0;
  const lastComment = leadingComments.at(-1)?.trim().replace(/^#+/, '');
  const commentNames = lastComment === undefined ? null : splitLine(lastComment.trim(), delimiter).map((n) => n.trim());
  const commentedHeader =
    !hasHeader && commentNames && commentNames.length === width && commentNames.every((n) => n !== '' && !isNumericText(n))
      ? commentNames
      : null;
  return { delimiter, hasHeader, hasComments, commentedHeader };
}

/** NUL bytes or many control characters mean this is not text (a pickle, an image, noise). */
export function looksBinary(sample: Uint8Array): boolean {
  if (sample.includes(0)) return true;
  let control = 0;
  for (const byte of sample) {
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c) control++;
  }
  const text = new TextDecoder('utf-8').decode(sample);
  const replaced = text.length - text.replaceAll('\uFFFD', '').length;
  return control > sample.length / 100 || replaced > text.length / 20;
}
