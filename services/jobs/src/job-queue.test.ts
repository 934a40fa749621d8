import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends, type TestDatabase } from '@pz/database/testing';
import { openJobQueue, type JobQueue } from './job-queue';
import { startJobWorker } from './job-worker';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

for (const backend of testBackends()) {
  describe(`job queue (${backend.name})`, () => {
    let database: TestDatabase;
    let queue: JobQueue;

    beforeAll(async () => {
      database = await backend.open();
      queue = await openJobQueue(database);
    }, 180_000);
    afterAll(() => database.drop());
    // Time passing, without waiting for it: every running lease is now over.
    const expireLeases = () => sql`UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE state = 'running'`.execute(database.kysely);

    it('queues one live job per subject: a second request joins the first', async () => {
      const first = await queue.enqueue('registry', 'product:1', { fileId: 7 });
      const again = await queue.enqueue('registry', 'product:1', { fileId: 7 });
      expect(again.id).toBe(first.id);
      expect(first).toMatchObject({ state: 'queued', attempts: 0, maxAttempts: 3, payload: { fileId: 7 } });
      const other = await queue.enqueue('registry', 'product:2', {});
      expect(other.id).not.toBe(first.id);
    });

    it('leases a job to one claimer at a time, oldest first, and lets only the lease holder finish it', async () => {
      const a = await queue.enqueue('lease-test', 's1', 1);
      const b = await queue.enqueue('lease-test', 's2', 2);
      // Three claimers at once, two jobs: whichever two win, each holds a different job.
      const claims = await Promise.all([
        queue.claim(['lease-test'], 'p1', 60_000),
        queue.claim(['lease-test'], 'p2', 60_000),
        queue.claim(['lease-test'], 'p3', 60_000),
      ]);
      const [one, two] = claims.filter((claim) => claim !== null);
      expect(claims.filter((claim) => claim === null)).toHaveLength(1);
      expect([one?.id, two?.id].sort()).toEqual([a.id, b.id].sort());
      if (!one || !two) return;
      expect(await queue.heartbeat(one, 60_000, { done: 5, total: 10 })).toBe(true);
      expect(await queue.get(one.id)).toMatchObject({ state: 'running', attempts: 1, progressDone: 5, progressTotal: 10 });
      // A forged lease (another token) changes nothing.
      expect(await queue.complete({ ...one, leaseToken: 'p9:forged' }, 'x')).toBe(false);
      expect(await queue.complete(one, { rows: 3 })).toBe(true);
      expect(await queue.get(one.id)).toMatchObject({ state: 'done', result: { rows: 3 } });
      expect(await queue.complete(one, 'again')).toBe(false);
      // Once done, the subject may be queued anew.
      const next = await queue.enqueue('lease-test', one.subject, 3);
      expect(next.id).not.toBe(one.id);
    });

    it('takes back a job whose lease ran out (its process died), and gives up after the last attempt', async () => {
      const job = await queue.enqueue('crash-test', 's', null, { maxAttempts: 2 });
      const first = await queue.claim(['crash-test'], 'dead', 60_000);
      expect(first?.id).toBe(job.id);
      expect(await queue.claim(['crash-test'], 'alive', 60_000)).toBeNull();
      await expireLeases();
      const second = await queue.claim(['crash-test'], 'alive', 60_000);
      expect(second).toMatchObject({ id: job.id, attempts: 2 });
      // The dead process's late report is refused: the job is not its any more.
      if (first) expect(await queue.heartbeat(first, 60_000)).toBe(false);
      await expireLeases();
      expect(await queue.claim(['crash-test'], 'third', 60_000)).toBeNull();
      expect(await queue.get(job.id)).toMatchObject({ state: 'failed', error: expect.stringContaining('stopped') });
      // Those who record what a failure means find it among the recent failures of its kind.
      expect((await queue.recentlyFailed('crash-test', new Date(Date.now() - 60_000))).map((j) => j.id)).toEqual([job.id]);
      expect(await queue.recentlyFailed('crash-test', new Date(Date.now() + 60_000))).toEqual([]);
    });

    it('queues a failed attempt again while attempts remain, and not when the handler says it is final', async () => {
      const job = await queue.enqueue('fail-test', 's', null, { maxAttempts: 2 });
      const claimed = await queue.claim(['fail-test'], 'p', 60_000);
      if (!claimed) throw new Error('not claimed');
      expect(await queue.fail(claimed, 'disk hiccup')).toBe(true);
      expect(await queue.get(job.id)).toMatchObject({ state: 'queued', error: 'disk hiccup' });
      const again = await queue.claim(['fail-test'], 'p', 60_000);
      if (!again) throw new Error('not claimed again');
      expect(await queue.fail(again, 'unreadable', { retry: false })).toBe(true);
      expect(await queue.get(job.id)).toMatchObject({ state: 'failed', attempts: 2, error: 'unreadable' });
    });

    it('runs jobs in a worker with progress, retries one that throws, and stops cleanly', async () => {
      let calls = 0;
      const worker = startJobWorker({
        queue,
        owner: 'worker-test',
        leaseMs: 300,
        pollMs: 20,
        handlers: {
          'worker-test': async (job, context) => {
            calls += 1;
            if (job.payload === 'flaky' && job.attempts === 1) throw new Error('first attempt fails');
            for (let done = 1; done <= 3; done++) {
              context.progress(done * 100, 300);
              await sleep(150);
            }
            return { result: { echoed: job.payload } };
          },
        },
      });
      const steady = await queue.enqueue('worker-test', 'a', 'steady');
      const flaky = await queue.enqueue('worker-test', 'b', 'flaky');
      worker.wake();
      // 450 ms of work outlives a 300 ms lease: heartbeats keep it.
      const done = await until(async () => {
        const [x, y] = await Promise.all([queue.get(steady.id), queue.get(flaky.id)]);
        return x?.state === 'done' && y?.state === 'done' ? [x, y] : null;
      });
      expect(done[0]).toMatchObject({ attempts: 1, result: { echoed: 'steady' }, progressDone: 300, progressTotal: 300 });
      expect(done[1]).toMatchObject({ attempts: 2, result: { echoed: 'flaky' } });
      expect(calls).toBe(3);
      await worker.stop();
    });
  });
}
