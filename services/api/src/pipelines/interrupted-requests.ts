import { randomUUID } from 'node:crypto';
import { streamName } from '@pz/contracts';
import { productDecider, type Caller } from '@pz/domain';
import { systemContext } from '../commands/command-context';
import type { AppDeps } from '../deps';
import { loadRun } from './execute-run';

/** What requesting a run needs of the job queue. */
export interface RunQueue {
  enqueue(processId: number): Promise<unknown>;
  latest(processId: number): Promise<unknown>;
}

export interface Recovered {
  /** Runs that were requested but never queued: queued now. */
  readonly queued: readonly number[];
  /** Output products whose run was never requested: failed (status 9), with the reason. */
  readonly failedOutputs: readonly number[];
}

export const NEVER_REQUESTED = 'the run was never recorded: the server stopped while starting it; submit the run again';

/**
 * Requesting a run appends to two streams and queues a job (request-run.ts): a crash between
 * those steps leaves an output product at status 3 with no run, or a run Pending with no job.
 * Either would wait forever; this finds them among the outputs registered before
 * `registeredBefore` (long enough ago that the request has either finished or died) and ends
 * the first (its output failed, saying why) or queues the second. The run's own stream decides,
 * not the read model, which may lag. Idempotent: what it fixed no longer matches.
 */
export async function recoverInterruptedRequests(deps: AppDeps, queue: RunQueue, registeredBefore: Date, limit = 100): Promise<Recovered> {
  const waiting = await deps.catalogue
    .selectFrom('products')
    .select(['id', 'owner_id', 'process_id'])
    .where('status', '=', 3)
    .where('process_id', 'is not', null)
    .where((eb) => eb.or([eb('process_status', 'is', null), eb('process_status', '=', 'Pending')]))
    .where('created_at', '<', registeredBefore)
    .orderBy('id')
    .limit(limit)
    .execute();
  const queued: number[] = [];
  const failedOutputs: number[] = [];
  for (const product of waiting) {
    const processId = Number(product.process_id);
    if (!Number.isSafeInteger(processId)) continue;
    const run = await loadRun(deps, processId);
    if (!run.request) {
      const owner: Caller = { userId: product.owner_id, isAdmin: false };
      const failed = await deps.bus.execute(productDecider, streamName('product', product.id), { type: 'FailProcessing', caller: owner, reason: NEVER_REQUESTED }, systemContext(randomUUID()));
      if (failed.ok) failedOutputs.push(product.id);
      continue;
    }
    if (run.status === 'Pending' && (await queue.latest(processId)) === null) {
      await queue.enqueue(processId);
      queued.push(processId);
    }
  }
  return { queued, failedOutputs };
}
