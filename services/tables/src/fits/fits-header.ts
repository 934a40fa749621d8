/** FITS headers: 2880-byte blocks of 80-character ASCII cards, closed by an `END` card. */

export const BLOCK_BYTES = 2880;
export const CARD_BYTES = 80;

export type FitsCardValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'logical'; readonly value: boolean }
  | { readonly kind: 'integer'; readonly value: bigint }
  | { readonly kind: 'real'; readonly value: number }
  /** A value field that is none of the above: a corrupted card, reported when it matters. */
  | { readonly kind: 'invalid'; readonly text: string };

export class FitsHeader {
  constructor(private readonly cards: ReadonlyMap<string, FitsCardValue>) {}

  has(keyword: string): boolean {
    return this.cards.has(keyword);
  }

  raw(keyword: string): FitsCardValue | undefined {
    return this.cards.get(keyword);
  }

  text(keyword: string): string | null {
    const card = this.cards.get(keyword);
    return card?.kind === 'string' ? card.value : null;
  }

  /** Integer cards as numbers; exact as long as they fit 2^53 (sizes and counts always do). */
  integer(keyword: string): number | null {
    const card = this.cards.get(keyword);
    return card?.kind === 'integer' ? Number(card.value) : null;
  }

  bigInteger(keyword: string): bigint | null {
    const card = this.cards.get(keyword);
    return card?.kind === 'integer' ? card.value : null;
  }

  /** Integer or real cards as a number (TSCALn, TZEROn may be written either way). */
  real(keyword: string): number | null {
    const card = this.cards.get(keyword);
    if (card?.kind === 'integer') return Number(card.value);
    return card?.kind === 'real' ? card.value : null;
  }

  logical(keyword: string): boolean | null {
    const card = this.cards.get(keyword);
    return card?.kind === 'logical' ? card.value : null;
  }
}

const INTEGER = /^[+-]?\d+$/;
/** FITS allows Fortran `D` exponents in real values. */
const REAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([EeDd][+-]?\d+)?$/;

function parseStringValue(field: string): { value: string; rest: string } | null {
  let value = '';
  for (let i = 1; i < field.length; i++) {
    if (field[i] === "'") {
      if (field[i + 1] === "'") {
        value += "'";
        i++;
        continue;
      }
      // Trailing spaces in FITS strings are padding; leading ones are significant.
      return { value: value.replace(/ +$/, ''), rest: field.slice(i + 1) };
    }
    value += field[i];
  }
  return null;
}

export function parseCardValue(field: string): FitsCardValue {
  const trimmed = field.trimStart();
  if (trimmed.startsWith("'")) {
    const parsed = parseStringValue(trimmed);
    return parsed ? { kind: 'string', value: parsed.value } : { kind: 'invalid', text: trimmed.trim() };
  }
  const token = trimmed.split('/')[0]?.trim() ?? '';
  if (token === 'T' || token === 'F') return { kind: 'logical', value: token === 'T' };
  if (INTEGER.test(token)) return { kind: 'integer', value: BigInt(token) };
  if (REAL.test(token)) return { kind: 'real', value: Number(token.replace(/[Dd]/, 'E')) };
  return { kind: 'invalid', text: token };
}

export type HeaderBlockOutcome =
  | { readonly status: 'more' }
  | { readonly status: 'end' }
  | { readonly status: 'corrupt'; readonly reason: string };

/** Accumulates cards block by block; a header can span any number of blocks. */
export class FitsHeaderParser {
  private readonly cards = new Map<string, FitsCardValue>();
  private cardCount = 0;

  /** Adds one 2880-byte block; says whether the END card was found. */
  addBlock(block: Uint8Array): HeaderBlockOutcome {
    for (let at = 0; at < block.length; at += CARD_BYTES) {
      const bytes = block.subarray(at, at + CARD_BYTES);
      if (bytes.some((byte) => byte < 0x20 || byte > 0x7e)) {
        return { status: 'corrupt', reason: `header card ${this.cardCount + 1} holds bytes that are not printable ASCII` };
      }
      this.cardCount += 1;
      const card = String.fromCharCode(...bytes);
      const keyword = card.slice(0, 8).trimEnd();
      if (keyword === 'END') return { status: 'end' };
      const hasValue = card.slice(8, 10) === '= ';
      if (!hasValue || keyword === '' || keyword === 'COMMENT' || keyword === 'HISTORY') continue;
      if (!this.cards.has(keyword)) this.cards.set(keyword, parseCardValue(card.slice(10)));
    }
    return { status: 'more' };
  }

  header(): FitsHeader {
    return new FitsHeader(this.cards);
  }
}
