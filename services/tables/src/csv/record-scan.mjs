// Counts the records of a text table at close to read speed: it finds record boundaries and
// counts fields per record (delimiters outside quotes, or whitespace-separated tokens), without
// building a single value. Plain JavaScript on purpose: it runs in a worker thread that node
// starts from this file as is (see record-scan-worker.mjs). Types: record-scan.d.mts.
// Delimited text without quotes, nearly every catalog, goes through a WebAssembly SIMD loop
// (record-scan-simd.wat); where WebAssembly SIMD is missing, through a word-at-a-time loop here.
/* global WebAssembly */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { Buffer, isUtf8 } from 'node:buffer';
import { URL } from 'node:url';

/** A single record (or line) larger than this is garbage, not a catalog row (as csv-records.ts). */
export const MAX_RECORD_BYTES = 1 << 20;
/**
 * Bytes read per system call; a whole record always fits, since it is at most 1 MB. Small enough
 * that the bytes just read are still in the CPU cache when they are scanned and validated (a
 * 16 MB buffer halved the throughput).
 */
export const SCAN_BUFFER_BYTES = 2 << 20;
/** Progress is told about this often, in bytes scanned. */
const PROGRESS_EVERY_BYTES = 16 << 20;
/** Spare bytes after the buffer: the SIMD loop loads whole 64-byte blocks. */
const BUFFER_SLACK_BYTES = 64;
const WASM_PAGE_BYTES = 1 << 16;

/** The compiled SIMD loop, or null where this runtime has no WebAssembly SIMD. */
const simdModule = (() => {
  const binary = readFileSync(new URL('./record-scan-simd.wasm', import.meta.url));
  return WebAssembly.validate(binary) ? new WebAssembly.Module(binary) : null;
})();

/** The loop for delimited text without quotes that `scanRecords` uses unless told otherwise. */
export const DEFAULT_PLAIN_ENGINE = simdModule ? 'simd' : 'words';
/** Every this many data rows, the byte offset of the row is kept, so a deep page can seek. */
export const ROW_INDEX_EVERY = 4096;

const NEWLINE = 10;
const CR = 13;
const QUOTE = 34;
const HASH = 35;

const WHITESPACE_TOKEN = /"((?:[^"]|"")*)"|(\S+)/g;
const tokenCount = (line) => {
  let n = 0;
  for (const _ of line.matchAll(WHITESPACE_TOKEN)) n++;
  return n;
};

/**
 * The hot loop of plain delimited text, kept apart from the closures so V8 keeps its counters in
 * registers: a line with the expected delimiter count, not blank, not a comment and not due in the
 * row index is counted inline; every other line goes to `slowLine`.
 */
function plainScanLoop(bytes, words, from, to, delimiterByte, delimiterWord, state, fast, slowLine) {
  let lineStart = from;
  let delimiters = 0;
  let lines = state.line;
  let records = state.records;
  let expected = fast.expected;
  let until = fast.until;
  const comments = fast.comments;
  // Whole words only: `from` is 0 or 3 (after a BOM, whose bytes are neither newline nor
  // delimiter), and bytes after the last whole word are left for the next call (the caller pads
  // the end of the file with newlines to a word boundary).
  const lastWord = to >>> 2;
  for (let w = from >>> 2; w < lastWord; w++) {
    const word = words[w];
    const xn = word ^ NEWLINE_WORD;
    const newlines = ~(((xn & 0x7f7f7f7f) + 0x7f7f7f7f) | xn | 0x7f7f7f7f);
    if (newlines === 0) {
      const xd = word ^ delimiterWord;
      const found = ~(((xd & 0x7f7f7f7f) + 0x7f7f7f7f) | xd | 0x7f7f7f7f);
      delimiters += Math.imul(found >>> 7, 0x01010101) >>> 24;
      continue;
    }
    for (let k = w << 2, kEnd = k + 4; k < kEnd; k++) {
      const c = bytes[k];
      if (c === NEWLINE) {
        if (delimiters === expected && expected > 0 && until > 0 && !(comments && bytes[lineStart] === HASH)) {
          lines++;
          records++;
          until--;
        } else {
          state.line = lines;
          state.records = records;
          slowLine(lineStart, k, delimiters, lines, records);
          lines = state.line;
          records = state.records;
          expected = fast.expected;
          until = fast.until;
        }
        lineStart = k + 1;
        delimiters = 0;
      } else if (c === delimiterByte) delimiters++;
    }
  }
  state.line = lines;
  state.records = records;
  state.lineStart = lineStart;
}

class ScanFailure extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

// Bit tricks on 32-bit words: the high bit of each byte of the result is set where the byte
// equals the one repeated in `pattern`, exactly (no false positives).
const COMMA_WORD = 0x2c2c2c2c;
const SEMICOLON_WORD = 0x3b3b3b3b;
const TAB_WORD = 0x09090909;
const NEWLINE_WORD = 0x0a0a0a0a;

/**
 * Scans `filePath` from byte `start`. `dialect`: `{ delimiter: ',' | ';' | '\t' | 'whitespace',
 * hasComments: boolean }`. Returns `{ ok: true, records, width, rowIndex, bytes }` where
 * `records` counts every record that is not blank nor a comment (the header among them) and
 * `rowIndex[k]` is the byte offset where record `k * ROW_INDEX_EVERY + headerRecords` starts, or
 * `{ ok: false, kind, message, line?, fields?, width? }`.
 */
export function scanRecords(filePath, dialect, options = {}) {
  const headerRecords = options.headerRecords ?? 0;
  const onProgress = options.onProgress ?? (() => {});
  const whitespace = dialect.delimiter === 'whitespace';
  const delimiterByte = whitespace ? -1 : dialect.delimiter.charCodeAt(0);
  const delimiterWord = delimiterByte === 44 ? COMMA_WORD : delimiterByte === 59 ? SEMICOLON_WORD : TAB_WORD;

  const comments = dialect.hasComments;
  const engine = options.engine ?? DEFAULT_PLAIN_ENGINE;
  if (engine === 'simd' && !simdModule) throw new Error('this runtime has no WebAssembly SIMD');

  // Spare bytes: the end of the file is padded to a word boundary, and the SIMD loop reads 64
  // bytes at a time.
  const bufferBytes = options.bufferBytes ?? SCAN_BUFFER_BYTES;
  const storageBytes = Math.ceil((bufferBytes + BUFFER_SLACK_BYTES) / WASM_PAGE_BYTES) * WASM_PAGE_BYTES;
  const memory = engine === 'simd' ? new WebAssembly.Memory({ initial: storageBytes / WASM_PAGE_BYTES, maximum: storageBytes / WASM_PAGE_BYTES }) : null;
  const simd = memory && simdModule ? new WebAssembly.Instance(simdModule, { scan: { memory } }).exports : null;
  const storage = memory ? memory.buffer : new ArrayBuffer(storageBytes);
  const bytes = new Uint8Array(storage);
  // Buffer's indexOf is memchr; a Uint8Array's is a far slower loop.
  const view = Buffer.from(storage);
  const words = new Uint32Array(storage);
  const fd = openSync(filePath, 'r');

  let records = 0;
  let width = -1;
  let line = 0; // physical lines finished so far
  const rowIndex = [];
  // File offset of bytes[0].
  let base = 0;
  let filled = 0;
  let eof = false;
  let position = 0;
  let reported = 0;

  /** Accepts one record of `fields` fields ending on physical line `endLine`, starting at `startOffset`. */
  const record = (fields, startOffset, endLine, lineStart, lineEnd) => {
    if (width < 0) width = fields;
    else if (fields !== width && !trailingDelimiter(fields, lineStart, lineEnd)) {
      throw Object.assign(new ScanFailure('ragged', ''), { line: endLine, fields, width });
    }
    const row = records - headerRecords;
    if (row >= 0 && row % ROW_INDEX_EVERY === 0) rowIndex.push(startOffset);
    records++;
  };

  // "1,2,3," has an empty last field that no header names; a blank one is accepted (csv-table.ts).
  const trailingDelimiter = (fields, lineStart, lineEnd) => {
    if (whitespace || fields !== width + 1) return false;
    for (let i = lineEnd - 1; i >= lineStart; i--) {
      const c = bytes[i];
      if (c === delimiterByte) return true;
      if (c !== 32 && c !== 9 && c !== CR) return false;
    }
    return false;
  };

  const lineContentEnd = (lineStart, newline) => (newline > lineStart && bytes[newline - 1] === CR ? newline - 1 : newline);

  /** A delimited line without quotes: blank, comment, or a record of `delimiters + 1` fields. */
  const plainLine = (lineStart, newline, delimiters) => {
    line++;
    const end = lineContentEnd(lineStart, newline);
    if (end === lineStart) return;
    if (comments && bytes[lineStart] === HASH) return;
    record(delimiters + 1, base + lineStart, line, lineStart, end);
  };

  // Rows the fast path may still take before the next one whose offset the index keeps.
  const untilIndexed = () => {
    const row = records - headerRecords;
    return row < 0 ? 0 : ROW_INDEX_EVERY - 1 - ((row + ROW_INDEX_EVERY - 1) % ROW_INDEX_EVERY);
  };

  /** Delimited lines of a region with no quote byte in it, 64 bytes at a time. Returns where the unfinished line starts. */
  const scanPlainSimd = (from, to) => {
    for (let start = from; ; ) {
      const newline = simd.scanPlain(start, to, delimiterByte, width - 1, untilIndexed(), comments ? 1 : 0);
      line += simd.lines.value;
      records += simd.lines.value;
      if (newline < 0) return simd.lineStart.value;
      plainLine(simd.lineStart.value, newline, simd.delimiters.value);
      start = newline + 1;
    }
  };

  /** Delimited lines of a region with no quote byte in it: word at a time. Returns where the unfinished line starts. */
  const scanPlainWords = (from, to) => {
    const state = { line, records, lineStart: from };
    const fast = { expected: width - 1, until: untilIndexed(), comments, width };
    const slowLine = (lineStart, newline, delimiters, lines, counted) => {
      line = lines;
      records = counted;
      plainLine(lineStart, newline, delimiters);
      state.line = line;
      state.records = records;
      fast.expected = width - 1;
      fast.until = untilIndexed();
    };
    plainScanLoop(bytes, words, from, to, delimiterByte, delimiterWord, state, fast, slowLine);
    line = state.line;
    records = state.records;
    return state.lineStart;
  };

  /**
   * Delimited records that may hold quoted fields (a quote opens one only at a field's start;
   * `""` inside is a literal quote; newlines inside belong to the field). Returns where the
   * unfinished record starts.
   */
  const scanQuoted = (from, to, final) => {
    let recordStart = from;
    let fieldStart = from;
    let lineStart = from;
    let delimiters = 0;
    let quoted = false;
    let linesInRecord = 0;
    for (let i = from; i < to; i++) {
      const c = bytes[i];
      if (quoted) {
        if (c === QUOTE) {
          if (i + 1 < to && bytes[i + 1] === QUOTE) i++;
          else if (i + 1 >= to && !final) return recordStart;
          else quoted = false;
        } else if (c === NEWLINE) {
          linesInRecord++;
          lineStart = i + 1;
        }
      } else if (c === HASH && comments && i === recordStart) {
        // A comment line ends at its newline whatever quotes it holds.
        const newline = view.indexOf(NEWLINE, i);
        if (newline < 0 || newline >= to) return recordStart;
        line++;
        recordStart = fieldStart = lineStart = newline + 1;
        i = newline;
      } else if (c === QUOTE) {
        if (i === fieldStart) quoted = true;
      } else if (c === delimiterByte) {
        delimiters++;
        fieldStart = i + 1;
      } else if (c === NEWLINE) {
        const end = lineContentEnd(lineStart, i);
        line += linesInRecord + 1;
        const blank = end === recordStart;
        const comment = comments && bytes[recordStart] === HASH;
        if (!blank && !comment) record(delimiters + 1, base + recordStart, line, lineStart, end);
        recordStart = fieldStart = lineStart = i + 1;
        delimiters = 0;
        linesInRecord = 0;
      }
    }
    if (quoted && final) {
      throw Object.assign(new ScanFailure('quote', `Quote Not Closed: the quoted field opened on line ${line + 1} is never closed`), {
        line: line + 1,
      });
    }
    return recordStart;
  };

  /** Whitespace-separated lines: tokens are runs of non-blank bytes (quoted or non-ASCII lines go through the regex). */
  const scanWhitespace = (from, to) => {
    let lineStart = from;
    let tokens = 0;
    let inToken = false;
    let exact = false;
    let firstByte = -1;
    for (let i = from; i < to; i++) {
      const c = bytes[i];
      if (c === NEWLINE) {
        line++;
        const end = lineContentEnd(lineStart, i);
        const count = exact ? tokenCount(Buffer.from(storage, lineStart, end - lineStart).toString('utf8')) : tokens;
        if (count > 0 && !(comments && (exact ? /^\s*#/.test(Buffer.from(storage, lineStart, end - lineStart).toString('utf8')) : firstByte === HASH))) {
          record(count, base + lineStart, line, lineStart, end);
        }
        lineStart = i + 1;
        tokens = 0;
        inToken = false;
        exact = false;
        firstByte = -1;
      } else if (c === 32 || c === 9 || c === CR || c === 11 || c === 12) {
        inToken = false;
      } else {
        if (!inToken) {
          tokens++;
          inToken = true;
          if (firstByte < 0) firstByte = c;
        }
        if (c === QUOTE || c >= 0x80) exact = true;
      }
    }
    return lineStart;
  };

  const invalidUtf8Line = (from, to) => {
    const text = Buffer.from(storage, from, to - from).toString('utf8');
    const bad = text.indexOf('\uFFFD');
    let lines = 0;
    for (let k = text.indexOf('\n'); k >= 0 && k < bad; k = text.indexOf('\n', k + 1)) lines++;
    return line + lines + 1;
  };

  try {
    for (;;) {
      while (!eof && filled < bufferBytes) {
        const n = readSync(fd, bytes, filled, bufferBytes - filled, position);
        if (n === 0) eof = true;
        filled += n;
        position += n;
      }
      let from = 0;
      if (base === 0 && filled >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) from = 3;
      // Without a final newline, the last line is ended here as if it had one.
      let to = filled;
      if (eof && (to === from || bytes[to - 1] !== NEWLINE)) {
        bytes[to] = NEWLINE;
        to++;
      }
      // Blank lines to a word boundary for the word-at-a-time loop; blank lines are skipped.
      if (eof) while ((to & 3) !== 0) bytes[to++] = NEWLINE;
      const lineAtStart = line;
      const quoteAt = whitespace ? -1 : view.indexOf(QUOTE, from);
      const hasQuote = quoteAt >= 0 && quoteAt < to;
      const unfinished = whitespace ? scanWhitespace(from, to) : hasQuote ? scanQuoted(from, to, eof) : simd ? scanPlainSimd(from, to) : scanPlainWords(from, to);
      // Lines were counted before validation; line numbers in the message need the count at the start.
      if (!isUtf8(bytes.subarray(from, unfinished))) {
        line = lineAtStart;
        throw Object.assign(new ScanFailure('utf8', ''), { line: invalidUtf8Line(from, unfinished) });
      }
      if (eof) break;
      const carried = filled - unfinished;
      if (carried > MAX_RECORD_BYTES || unfinished === 0) {
        throw Object.assign(new ScanFailure('too-large', `line ${line + 1} is longer than 1 MB`), { line: line + 1 });
      }
      bytes.copyWithin(0, unfinished, filled);
      base += unfinished;
      filled = carried;
      if (base - reported >= PROGRESS_EVERY_BYTES) {
        reported = base;
        onProgress(base);
      }
    }
    onProgress(position);
    return { ok: true, records, width, rowIndex, bytes: position };
  } catch (cause) {
    if (cause instanceof ScanFailure) {
      return { ok: false, kind: cause.kind, message: cause.message, line: cause.line, fields: cause.fields, width: cause.width };
    }
    throw cause;
  } finally {
    closeSync(fd);
  }
}
