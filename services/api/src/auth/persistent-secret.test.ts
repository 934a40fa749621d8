import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { persistentSecret } from './persistent-secret';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pz-secret-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('persistentSecret', () => {
  it('creates a 32-byte key readable by its owner only, then keeps giving it', () => {
    const dataDir = path.join(dir, 'data');
    const first = persistentSecret(dataDir);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(path.join(dataDir, 'secret')).mode & 0o777).toBe(0o600);
    expect(persistentSecret(dataDir)).toBe(first);
    expect(readdirSync(dataDir)).toEqual(['secret']);
  });

  it.each([
    ['empty', ''],
    ['truncated', 'a'.repeat(31)],
    ['not hexadecimal', 'z'.repeat(64)],
  ])('refuses to start on a %s key file, naming it, and leaves it alone', (_label, content) => {
    const file = path.join(dir, 'secret');
    writeFileSync(file, content);
    expect(() => persistentSecret(dir)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not hold a key`));
    expect(readdirSync(dir)).toEqual(['secret']);
  });

  it('uses a key already there, with the newline an editor leaves', () => {
    const theirs = 'b'.repeat(64);
    writeFileSync(path.join(dir, 'secret'), `${theirs}\n`);
    expect(persistentSecret(dir)).toBe(theirs);
  });
});
