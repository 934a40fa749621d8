/**
 * Product descriptions are Markdown written by users and shown to everyone who can see the
 * product. This renders a small, safe subset: paragraphs, headings, emphasis, code spans and
 * fenced code, bullet and numbered lists, links and autolinks whose URL is http, https or mailto.
 * Safety does not rest on recognising dangerous input: every character of the source reaches the
 * output through `escapeHtml`, and the only tags are the ones this module writes. Raw HTML is
 * never passed through (it shows as text), and a link with any other scheme keeps its text and
 * loses its URL.
 *
 * Deliberately left out: images, tables, block quotes, raw HTML, link titles, nested lists and
 * hard line breaks.
 */
export function renderMarkdown(source: string): string {
  const lines = source.replace(/\r\n?/g, '\n').replace(/\0/g, '\uFFFD').split('\n');
  const blocks: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1] as string;
      const body: string[] = [];
      for (i++; i < lines.length && !isClosingFence(lines[i] as string, marker); i++) body.push(lines[i] as string);
      i++;
      blocks.push(`<pre><code>${escapeHtml(body.join('\n'))}${body.length ? '\n' : ''}</code></pre>`);
      continue;
    }
    const heading = atxHeading(line);
    if (heading) {
      blocks.push(`<h${heading.level}>${renderInline(heading.text)}</h${heading.level}>`);
      i++;
      continue;
    }
    const first = listItem(line);
    if (first) {
      const items: string[] = [first.text];
      for (i++; i < lines.length; i++) {
        const next = lines[i] as string;
        const item = listItem(next);
        if (item && item.ordered === first.ordered) items.push(item.text);
        else if (!item && !startsBlock(next) && !isBlank(next)) items[items.length - 1] += `\n${next.trim()}`;
        else if (isBlank(next) && sameListContinues(lines, i + 1, first.ordered)) continue;
        else break;
      }
      const tag = first.ordered ? 'ol' : 'ul';
      blocks.push(`<${tag}>\n${items.map((text) => `<li>${renderInline(text)}</li>`).join('\n')}\n</${tag}>`);
      continue;
    }
    const paragraph: string[] = [line.trim()];
    for (i++; i < lines.length && !isBlank(lines[i] as string) && !startsBlock(lines[i] as string); i++) paragraph.push((lines[i] as string).trim());
    blocks.push(`<p>${renderInline(paragraph.join('\n'))}</p>`);
  }
  return blocks.join('\n');
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const BULLET = /^ {0,3}[-*+][ \t]+(\S.*)$/;
const NUMBERED = /^ {0,3}\d{1,9}[.)][ \t]+(\S.*)$/;

const isBlank = (line: string): boolean => line.trim() === '';
const startsBlock = (line: string): boolean => FENCE.test(line) || atxHeading(line) !== null || listItem(line) !== null;

function isClosingFence(line: string, marker: string): boolean {
  const trimmed = line.trim();
  return trimmed.length >= marker.length && trimmed.startsWith(marker) && [...trimmed].every((c) => c === marker[0]);
}

function listItem(line: string): { ordered: boolean; text: string } | null {
  const bullet = BULLET.exec(line);
  if (bullet) return { ordered: false, text: (bullet[1] as string).trim() };
  const numbered = NUMBERED.exec(line);
  return numbered ? { ordered: true, text: (numbered[1] as string).trim() } : null;
}

/** A blank line inside a list: the list goes on when the next non-blank line is an item of the same kind. */
function sameListContinues(lines: readonly string[], from: number, ordered: boolean): boolean {
  let i = from;
  while (i < lines.length && isBlank(lines[i] as string)) i++;
  const item = i < lines.length ? listItem(lines[i] as string) : null;
  return item !== null && item.ordered === ordered;
}

/** `# Title` to `###### Title`, with an optional closing run of `#`. Scanned by hand: no regex backtracking on long lines. */
function atxHeading(line: string): { level: number; text: string } | null {
  let i = 0;
  while (i < 3 && line[i] === ' ') i++;
  let level = 0;
  while (line[i + level] === '#') level++;
  if (level < 1 || level > 6) return null;
  const rest = line.slice(i + level);
  if (rest !== '' && rest[0] !== ' ' && rest[0] !== '\t') return null;
  let text = rest.trim();
  let end = text.length;
  while (end > 0 && text[end - 1] === '#') end--;
  if (end === 0) text = '';
  else if (end < text.length && (text[end - 1] === ' ' || text[end - 1] === '\t')) text = text.slice(0, end).trim();
  return { level, text };
}

/** Emphasis inside emphasis inside a link…: beyond this depth, delimiters are plain text. */
const MAX_DEPTH = 8;
const ESCAPABLE = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
const URL_AUTOLINK = /<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>/y;
const EMAIL_AUTOLINK = /<([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)>/y;
const WORD_CHARACTER = /[\p{L}\p{N}]/u;

/**
 * One block's text. Linear in its length at each depth: every search for a closing delimiter
 * that fails is remembered, since no later opener could find one either.
 */
function renderInline(text: string, inLink = false, depth = 0): string {
  const out: string[] = [];
  let literal = '';
  const flush = () => {
    if (literal) out.push(escapeHtml(literal));
    literal = '';
  };
  const closingBracket = inLink ? new Map<number, number>() : matchBrackets(text);
  const noCloser = new Set<string>();
  let destinationFailsUntil = -1;

  for (let i = 0; i < text.length; ) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length && ESCAPABLE.has(text[i + 1] as string)) {
      literal += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === '`') {
      let n = 1;
      while (text[i + n] === '`') n++;
      const close = noCloser.has(`code${n}`) ? -1 : findBacktickRun(text, i + n, n);
      if (close < 0) {
        noCloser.add(`code${n}`);
        literal += '`'.repeat(n);
        i += n;
        continue;
      }
      let code = text.slice(i + n, close).replace(/\n/g, ' ');
      if (code.length > 2 && code.startsWith(' ') && code.endsWith(' ') && code.trim() !== '') code = code.slice(1, -1);
      flush();
      out.push(`<code>${escapeHtml(code)}</code>`);
      i = close + n;
      continue;
    }
    if (ch === '<' && !inLink) {
      const autolink = matchAutolink(text, i);
      if (autolink) {
        flush();
        out.push(anchor(autolink.href, escapeHtml(autolink.text)));
        i = autolink.end;
        continue;
      }
    }
    if (ch === '[' && !inLink && depth < MAX_DEPTH) {
      const close = closingBracket.get(i);
      if (close !== undefined && text[close + 1] === '(' && close + 2 > destinationFailsUntil) {
        const destination = readDestination(text, close + 2);
        if (typeof destination === 'number') {
          destinationFailsUntil = destination;
        } else {
          flush();
          const label = renderInline(text.slice(i + 1, close), true, depth + 1);
          const href = safeHref(destination.url);
          out.push(href === null ? label : anchor(href, label));
          i = destination.end;
          continue;
        }
      }
    }
    if ((ch === '*' || ch === '_') && depth < MAX_DEPTH) {
      const delimiter = text[i + 1] === ch ? ch + ch : ch;
      const after = text[i + delimiter.length];
      const opens = after !== undefined && !/\s/u.test(after) && !(ch === '_' && isWordCharacter(text[i - 1]));
      const close = opens && !noCloser.has(delimiter) ? findCloser(text, i + delimiter.length + 1, delimiter) : -1;
      if (close < 0) {
        if (opens) noCloser.add(delimiter);
        literal += delimiter;
        i += delimiter.length;
        continue;
      }
      flush();
      const tag = delimiter.length === 2 ? 'strong' : 'em';
      out.push(`<${tag}>${renderInline(text.slice(i + delimiter.length, close), inLink, depth + 1)}</${tag}>`);
      i = close + delimiter.length;
      continue;
    }
    literal += ch;
    i++;
  }
  flush();
  return out.join('');
}

const isWordCharacter = (c: string | undefined): boolean => c !== undefined && WORD_CHARACTER.test(c);

/** Where each `[` finds its `]` (nesting counted, escaped brackets skipped), in one pass. */
function matchBrackets(text: string): Map<number, number> {
  const closing = new Map<number, number>();
  const open: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '[') open.push(i);
    else if (c === ']') {
      const start = open.pop();
      if (start !== undefined) closing.set(start, i);
    }
  }
  return closing;
}

/** A run of exactly `n` backticks at or after `from`; -1 when there is none. */
function findBacktickRun(text: string, from: number, n: number): number {
  const run = '`'.repeat(n);
  for (let j = text.indexOf(run, from); j >= 0; j = text.indexOf(run, j + 1)) {
    if (text[j - 1] === '`') continue;
    if (text[j + n] === '`') {
      while (text[j + n] === '`') j++;
      continue;
    }
    return j;
  }
  return -1;
}

/** A closing `*`, `**`, `_` or `__`: right after text, not part of a longer run, `_` not inside a word. */
function findCloser(text: string, from: number, delimiter: string): number {
  const ch = delimiter[0] as string;
  for (let j = text.indexOf(delimiter, from); j >= 0; j = text.indexOf(delimiter, j + 1)) {
    const before = text[j - 1];
    if (before === undefined || /\s/u.test(before) || before === '\\') continue;
    if (delimiter.length === 1 && (text[j + 1] === ch || before === ch)) continue;
    if (ch === '_' && isWordCharacter(text[j + delimiter.length])) continue;
    return j;
  }
  return -1;
}

/**
 * The URL of `[text](url)`, from just after `(` to the `)` that balances it (a Wikipedia
 * `Foo_(bar)` keeps its parentheses). Whitespace, angle brackets, control characters or a missing
 * `)` make it no link: the position where reading stopped is returned, and later links whose URL
 * starts before it are not tried (each would read up to the same stop), which keeps this linear.
 */
function readDestination(text: string, from: number): { url: string; end: number } | number {
  let depth = 0;
  for (let j = from; j < text.length; j++) {
    const c = text[j] as string;
    if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (c === ')') return { url: text.slice(from, j), end: j + 1 };
    else if (c === '<' || c === '>' || ((c <= ' ' || c >= '\x7f') && /[\s\p{Cc}]/u.test(c))) return j;
  }
  return text.length;
}

function matchAutolink(text: string, at: number): { href: string; text: string; end: number } | null {
  URL_AUTOLINK.lastIndex = at;
  const url = URL_AUTOLINK.exec(text);
  if (url) {
    const href = safeHref(url[1] as string);
    return href === null ? null : { href, text: url[1] as string, end: at + url[0].length };
  }
  EMAIL_AUTOLINK.lastIndex = at;
  const email = EMAIL_AUTOLINK.exec(text);
  return email ? { href: `mailto:${email[1] as string}`, text: email[1] as string, end: at + email[0].length } : null;
}

const ALLOWED_URL = /^(?:https?:\/\/[^/?#\\]|mailto:[^/\\])/i;

/**
 * The URL when it is an http, https or mailto URL and nothing else; null otherwise. Checked on
 * the text as written: an entity (`&#106;avascript:`) is not decoded here and is escaped on
 * output, so what the browser sees is exactly what was checked. Control, format (zero-width,
 * bidirectional) and space characters are refused outright.
 */
export function safeHref(url: string): string | null {
  if (/[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(url)) return null;
  return ALLOWED_URL.test(url) ? url : null;
}

const anchor = (href: string, label: string): string => `<a href="${escapeHtml(href)}" rel="nofollow noopener noreferrer">${label}</a>`;

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
