import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileOnce, replaceFileAtomically } from './key-files';

describe('key files', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pz-key-files-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('creates a file once, with its mode, and never replaces it; no temporary file is left', () => {
    const dir = path.join(tempDir(), 'nested');
    expect(createFileOnce(dir, 'secret', () => 'first')).toBe(true);
    expect(createFileOnce(dir, 'secret', () => 'second')).toBe(false);
    expect(readFileSync(path.join(dir, 'secret'), 'utf8')).toBe('first');
    expect(statSync(path.join(dir, 'secret')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['secret']);
  });

  it('replaces a file whole', () => {
    const file = path.join(tempDir(), 'record.json');
    replaceFileAtomically(file, 'one');
    replaceFileAtomically(file, 'two');
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(readdirSync(path.dirname(file))).toEqual(['record.json']);
  });
});
