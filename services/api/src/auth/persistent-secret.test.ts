import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
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

  it('gives one key to servers starting together on an empty data folder', async () => {
    const run = promisify(execFile);
    // Each process loads the module, then waits for the same instant, so that the reads and
    // writes of the key file overlap rather than follow each process's start-up time.
    const probe = [
      `const { persistentSecret } = await import(${JSON.stringify(new URL('./persistent-secret.ts', import.meta.url).href)});`,
      'while (Date.now() < Number(process.argv[2]));',
      'console.log(persistentSecret(process.argv[1]));',
    ].join('\n');
    const go = String(Date.now() + 3_000);
    const starts = Array.from({ length: 6 }, () =>
      run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe, path.join(dir, 'shared'), go], { timeout: 60_000 }).then(({ stdout }) => stdout.trim()),
    );
    const keys = await Promise.all(starts);
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(keys).size).toBe(1);
    expect(readdirSync(path.join(dir, 'shared'))).toEqual(['secret']);
  }, 90_000);
});
