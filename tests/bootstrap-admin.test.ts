import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnApiProcess, type ApiProcess } from '@pz/api/api-process';

/**
 * README set-up: the first admin on the embedded default, while the server runs (PGlite holds
 * the data folder, so the admin CLI cannot open it): `PZ_BOOTSTRAP_ADMIN=name npm start` creates
 * the admin at the first start and prints its token once; later starts create nothing.
 */
describe('PZ_BOOTSTRAP_ADMIN with npm start on the embedded default', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-bootstrap-'));
  let server: ApiProcess | undefined;
  const start = async () => {
    server = await spawnApiProcess({ env: { DATA_DIR: dataDir, DATABASE_URL: '', EVENTSTORE_URL: '', LOG_LEVEL: 'warn', PZ_BOOTSTRAP_ADMIN: 'coordinator' }, startupMs: 120_000 });
    await server.ready;
    return server;
  };
  const whoIs = async (origin: string, token: string) => {
    const answer = await fetch(`${origin}/api/logged_user/`, { method: 'POST', headers: { authorization: `Token ${token}` } });
    return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
  };

  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates the admin at the first start, prints its token once, and creates nothing at the next start', async () => {
    const first = await start();
    const token = /API token: ([0-9a-f]{40})/.exec(first.output())?.[1];
    expect(token, first.output()).toBeDefined();
    expect(first.output()).toMatch(/password: {2}\S+ {3}\(generated/);
    expect(await whoIs(first.origin, token ?? '')).toEqual({ status: 200, body: expect.objectContaining({ username: 'coordinator', is_admin: true }) as unknown });
    await first.stop();

    const second = await start();
    expect(second.output()).toContain('admin "coordinator" already exists; nothing created');
    expect(second.output()).not.toMatch(/API token:/);
    expect((await whoIs(second.origin, token ?? '')).status).toBe(200);
  }, 300_000);
});
