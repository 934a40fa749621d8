import { describe, expect, it } from 'vitest';
import { BLOCK_BYTES, FitsHeaderParser, parseCardValue } from './fits-header';

const card = (text: string): string => text.padEnd(80, ' ');
const block = (...cards: string[]): Uint8Array => new TextEncoder().encode(cards.map(card).join('').padEnd(BLOCK_BYTES, ' '));

describe('parseCardValue', () => {
  it('reads strings, logicals, integers and reals', () => {
    expect(parseCardValue(" 'BINTABLE'           / binary table")).toEqual({ kind: 'string', value: 'BINTABLE' });
    expect(parseCardValue(" 'O''HARA '")).toEqual({ kind: 'string', value: "O'HARA" });
    expect(parseCardValue('                    T')).toEqual({ kind: 'logical', value: true });
    expect(parseCardValue('  9223372036854775808 / unsigned')).toEqual({ kind: 'integer', value: 9223372036854775808n });
    expect(parseCardValue('              1.5D-02')).toEqual({ kind: 'real', value: 0.015 });
    expect(parseCardValue('      not-a-number')).toEqual({ kind: 'invalid', text: 'not-a-number' });
  });
});

describe('FitsHeaderParser', () => {
  it('collects cards until END, across blocks', () => {
    const parser = new FitsHeaderParser();
    expect(parser.addBlock(block('SIMPLE  =                    T', 'NAXIS   =                    0'))).toEqual({ status: 'more' });
    expect(parser.addBlock(block("EXTNAME = 'CAT'", 'COMMENT = not a value', 'END'))).toEqual({ status: 'end' });
    const header = parser.header();
    expect(header.logical('SIMPLE')).toBe(true);
    expect(header.integer('NAXIS')).toBe(0);
    expect(header.text('EXTNAME')).toBe('CAT');
    expect(header.has('COMMENT')).toBe(false);
  });

  it('flags bytes that cannot be in a header', () => {
    const bytes = block('SIMPLE  =                    T');
    bytes[100] = 0;
    expect(new FitsHeaderParser().addBlock(bytes).status).toBe('corrupt');
  });
});
