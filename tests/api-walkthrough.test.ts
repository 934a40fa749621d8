import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnApiProcess, type ApiProcess } from '@pz/api/api-process';

const root = path.resolve(import.meta.dirname, '..');

/**
 * docs/api.md, executed: the real server (`npm start`'s entry point, embedded database) in its own
 * process, and docs/api-walkthrough.sh driving it with curl exactly as the page tells a person.
 */
describe('the curl walk-through of docs/api.md', () => {
  let server: ApiProcess;
  let dataDir: string;
  let base: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-walk-'));
    server = await spawnApiProcess({ env: { DATA_DIR: dataDir, DATABASE_URL: '', EVENTSTORE_URL: '', LOG_LEVEL: 'warn' }, startupMs: 60_000 });
    base = server.origin;
    await server.ready;
  }, 90_000);

  afterAll(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs up, uploads CSV, Parquet, FITS and HDF5 products, maps, publishes, finds, previews and downloads', async () => {
    const run = spawn('bash', ['docs/api-walkthrough.sh'], { cwd: root, env: { ...process.env, PZ: base, PZ_USER: 'walker' } });
    let out = '';
    run.stdout.on('data', (d: Buffer) => (out += d.toString()));
    run.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
    expect(out, out).toContain('token ok');
    expect(code, out).toBe(0);
    expect(out).toMatch(/csv product \d+ status 1/);
    expect(out).toMatch(/parquet product \d+ status 1/);
    expect(out).toMatch(/fits product \d+ status 1/);
    expect(out).toMatch(/hdf5 product \d+ status 1/);
    expect(out).toMatch(/^4$/m);
    expect(out).toMatch(/^1000$/m);
    expect(out).toContain('walkthrough.zip');
  }, 120_000);
});
