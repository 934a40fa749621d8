import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool, type WorkerPoolOptions } from './worker-pool';

const pools: WorkerPool<{ ms: number; recycle?: boolean }, number>[] = [];
const poolOf = (options: Partial<WorkerPoolOptions> = {}) => {
  const pool = new WorkerPool<{ ms: number; recycle?: boolean }, number>({
    script: new URL('./spin-worker.test-fixture.mjs', import.meta.url),
    resourceLimits: { maxOldGenerationSizeMb: 64 },
    size: 1,
    maxQueued: 4,
    perRequester: 8,
    ...options,
  });
  pools.push(pool);
  return pool;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

describe('WorkerPool', () => {
  it('keeps one worker for task after task', async () => {
    const pool = poolOf();
    const first = await pool.run({ ms: 0 }, 5000);
    const second = await pool.run({ ms: 0 }, 5000);
    expect(first).toEqual({ kind: 'done', reply: expect.any(Number) });
    expect(second).toEqual(first);
  });

  it('stops a task past its time limit and replaces the worker for the next one', async () => {
    const pool = poolOf();
    const started = Date.now();
    const looping = await pool.run({ ms: 60_000 }, 300);
    expect(looping).toEqual({ kind: 'timeout', ms: 300 });
    expect(Date.now() - started).toBeLessThan(5000);
    const next = await pool.run({ ms: 0 }, 5000);
    expect(next.kind).toBe('done');
    expect(pool.stats().workers).toBe(1);
  });

  it('retires a worker that asks to be recycled', async () => {
    const pool = poolOf();
    const first = await pool.run({ ms: 0, recycle: true }, 5000);
    const second = await pool.run({ ms: 0 }, 5000);
    expect(first.kind === 'done' && second.kind === 'done' && first.reply !== second.reply).toBe(true);
  });

  it('refuses at once past the per-requester and the per-process bounds, never queueing without end', async () => {
    const pool = poolOf({ size: 1, maxQueued: 1, perRequester: 1 });
    const running = pool.run({ ms: 300 }, 5000, 'alice');
    expect(await pool.run({ ms: 0 }, 5000, 'alice')).toEqual({ kind: 'busy', reason: 'requester' });
    const queued = pool.run({ ms: 0 }, 5000, 'bob');
    expect(await pool.run({ ms: 0 }, 5000, 'carol')).toEqual({ kind: 'busy', reason: 'process' });
    expect((await running).kind).toBe('done');
    expect((await queued).kind).toBe('done');
    // Once alice's task is answered she may run another.
    expect((await pool.run({ ms: 0 }, 5000, 'alice')).kind).toBe('done');
  });
});
