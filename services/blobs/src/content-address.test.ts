import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSha256Hex, StoreLayout } from './content-address';

const HASH = 'ab'.repeat(32);

describe('isSha256Hex', () => {
  it('accepts 64 lowercase hex characters', () => {
    expect(isSha256Hex(HASH)).toBe(true);
    expect(isSha256Hex('0123456789abcdef'.repeat(4))).toBe(true);
  });
  it.each([
    ['uppercase', 'AB'.repeat(32)],
    ['too short', 'a'.repeat(63)],
    ['too long', 'a'.repeat(65)],
    ['non-hex', 'g'.repeat(64)],
    ['a trailing newline', `${HASH}\n`],
    ['path traversal', `../../${'a'.repeat(58)}`],
    ['a separator', `${'a'.repeat(32)}/${'a'.repeat(31)}`],
    ['empty', ''],
  ])('rejects %s', (_, value) => {
    expect(isSha256Hex(value)).toBe(false);
  });
  it('rejects non-strings', () => {
    expect(isSha256Hex(undefined)).toBe(false);
    expect(isSha256Hex(123)).toBe(false);
  });
});

describe('StoreLayout', () => {
  it('fans blobs out over two directory levels', () => {
    const layout = new StoreLayout('/store');
    expect(layout.addressOf(HASH)).toEqual({
      directory: path.join('/store', 'sha256', 'ab', 'ab'),
      dataPath: path.join('/store', 'sha256', 'ab', 'ab', HASH),
      recordPath: path.join('/store', 'sha256', 'ab', 'ab', `${HASH}.json`),
    });
  });
  it('refuses to build a path from anything but a hash', () => {
    expect(() => new StoreLayout('/store').addressOf('../../etc/passwd')).toThrow(/not a sha256/);
  });
});
