import { ok, type Result } from '@pz/contracts';
import { pipelineFailure, type PipelineError } from '../errors';

export type Token =
  | { readonly kind: 'number'; readonly text: string; readonly at: number }
  | { readonly kind: 'string'; readonly value: string; readonly at: number }
  | { readonly kind: 'name'; readonly text: string; readonly at: number }
  | { readonly kind: 'symbol'; readonly text: string; readonly at: number }
  | { readonly kind: 'end'; readonly at: number };

/** Longest first, so that `//` is not read as two `/`. */
const SYMBOLS = ['==', '!=', '<=', '>=', '//', '<', '>', '+', '-', '*', '/', '%', '(', ')', '[', ']', ',', '.'];
const NUMBER = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t' };

const invalid = (message: string) => pipelineFailure('EXPRESSION_INVALID', message);

function readString(source: string, start: number): Result<{ value: string; end: number }, PipelineError> {
  const quote = source[start];
  let value = '';
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i];
    if (c === quote) return ok({ value, end: i + 1 });
    if (c === '\\') {
      const escaped = ESCAPES[source[i + 1] ?? ''];
      if (escaped === undefined) return invalid(`unsupported escape at ${i}`);
      value += escaped;
      i++;
    } else {
      value += c;
    }
  }
  return invalid(`unterminated string starting at ${start}`);
}

export function tokenize(source: string): Result<Token[], PipelineError> {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    const rest = source.slice(at);
    const c = source[at] ?? '';
    if (/\s/.test(c)) {
      at++;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', text: number[0], at });
      at += number[0].length;
      continue;
    }
    const name = NAME.exec(rest);
    if (name) {
      tokens.push({ kind: 'name', text: name[0], at });
      at += name[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      const read = readString(source, at);
      if (!read.ok) return read;
      tokens.push({ kind: 'string', value: read.value.value, at });
      at = read.value.end;
      continue;
    }
    const symbol = SYMBOLS.find((s) => rest.startsWith(s));
    if (!symbol) return invalid(`unexpected character ${JSON.stringify(c)} at ${at}`);
    tokens.push({ kind: 'symbol', text: symbol, at });
    at += symbol.length;
  }
  tokens.push({ kind: 'end', at });
  return ok(tokens);
}
