import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@pz/api/free-port';

const root = path.resolve(import.meta.dirname, '..');

/**
 * docs/api.md, executed: the real server (`npm start`'s entry point, embedded database) in its own
 * process, and docs/api-walkthrough.sh driving it with curl exactly as the page tells a person.
 */
describe('the curl walk-through of docs/api.md', () => {
  let server: ChildProcess;
  let dataDir: string;
  let base: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-walk-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, ['--import', 'tsx', 'services/api/src/main.ts'], {
      cwd: root,
      env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), DATABASE_URL: '', EVENTSTORE_URL: '', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await fetch(`${base}/api/`)).status === 401) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error('server did not start');
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 90_000);

  afterAll(async () => {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
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
