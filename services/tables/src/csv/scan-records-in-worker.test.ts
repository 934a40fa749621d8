import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as WorkerThreads from 'node:worker_threads';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { scanRecordsInWorker } from './scan-records-in-worker';

const started = vi.hoisted(() => ({ threads: 0 }));
vi.mock('node:worker_threads', async (importOriginal) => {
  const actual = await importOriginal<typeof WorkerThreads>();
  class CountedWorker extends actual.Worker {
    constructor(...args: ConstructorParameters<typeof actual.Worker>) {
      super(...args);
      started.threads++;
    }
  }
  return { ...actual, Worker: CountedWorker };
});

const dir = mkdtempSync(path.join(os.tmpdir(), 'pz-scan-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = path.join(dir, 'table.csv');
writeFileSync(file, `id,z\n${Array.from({ length: 1000 }, (_, i) => `${i},0.5`).join('\n')}\n`);
const request = { filePath: file, dialect: { delimiter: ',', hasComments: false }, headerRecords: 1 } as const;

describe('scanRecordsInWorker', () => {
  it('keeps one scan thread between scans, and starts more only for scans side by side', async () => {
    expect(await scanRecordsInWorker(request)).toMatchObject({ ok: true, records: 1001 });
    expect(await scanRecordsInWorker(request)).toMatchObject({ ok: true, records: 1001 });
    expect(started.threads).toBe(1);
    const sideBySide = await Promise.all([scanRecordsInWorker(request), scanRecordsInWorker(request), scanRecordsInWorker(request)]);
    for (const outcome of sideBySide) expect(outcome).toMatchObject({ ok: true, records: 1001 });
    expect(started.threads).toBe(3);
    expect(await scanRecordsInWorker(request)).toMatchObject({ ok: true, records: 1001 });
    expect(started.threads).toBe(3);
  });

  it('rejects a file it cannot read, and the kept thread scans the next one', async () => {
    await expect(scanRecordsInWorker({ ...request, filePath: path.join(dir, 'missing.csv') })).rejects.toThrow(/ENOENT/);
    const before = started.threads;
    expect(await scanRecordsInWorker(request)).toMatchObject({ ok: true, records: 1001 });
    expect(started.threads).toBe(before);
  });

  // Linux keeps a nice value per thread, in field 19 of /proc/self/task/<tid>/stat.
  it.runIf(existsSync('/proc/self/task'))('scans at a lower priority than the event loop', async () => {
    expect(await scanRecordsInWorker(request)).toMatchObject({ ok: true });
    const niceOf = (task: string) => {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    const tasks = readdirSync('/proc/self/task');
    expect(niceOf(String(process.pid))).toBe(0);
    expect(tasks.map(niceOf)).toContain(10);
  });
});
