import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { lockFolder } from './folder-lock';

describe('lockFolder', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pz-lock-'));
  afterEach(() => rmSync(path.join(dir, '.pz-lock'), { force: true }));

  it('claims a folder and releases it', () => {
    const release = lockFolder(dir);
    expect(readFileSync(path.join(dir, '.pz-lock'), 'utf8')).toBe(String(process.pid));
    release();
    expect(() => readFileSync(path.join(dir, '.pz-lock'))).toThrow();
  });

  it('refuses a folder held by another running process, and takes over a dead one', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
    writeFileSync(path.join(dir, '.pz-lock'), String(other.pid));
    expect(() => lockFolder(dir)).toThrow(/in use by process/);
    other.kill('SIGKILL');
    await new Promise((resolve) => other.once('exit', resolve));
    expect(() => lockFolder(dir)()).not.toThrow();
  });
});
