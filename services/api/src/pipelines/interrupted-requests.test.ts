import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { streamName } from '@pz/contracts';
import { testBackends } from '@pz/database/testing';
import { productDecider, runDecider } from '@pz/domain';
import { systemContext } from '../commands/command-context';
import { startTestServer, type TestServer } from '../testing';
import { NEVER_REQUESTED, recoverInterruptedRequests, type RunQueue } from './interrupted-requests';

/** A queue that records what was queued, with a job already there for `existing`. */
function recordingQueue(existing: readonly number[]): RunQueue & { readonly queued: number[] } {
  const queued: number[] = [];
  return {
    queued,
    enqueue: async (processId) => { queued.push(processId); },
    latest: async (processId) => (existing.includes(processId) || queued.includes(processId) ? { processId } : null),
  };
}

for (const backend of testBackends()) {
  describe(`requests a crash interrupted (${backend.name})`, () => {
    let server: TestServer;
    let ownerId: number;

    beforeAll(async () => {
      // No workers in this process: nothing but the test queues or runs anything.
      server = await startTestServer(backend, { PIPELINE_WORKERS: '0' });
      ownerId = (await server.createUser('owner')).userId;
    }, 120_000);
    afterAll(async () => server?.stop());

    /** An output product as requesting a run registers it (status 3, naming its process). */
    const output = async (processId: number) => {
      const [productId] = await server.deps.allocateIds('product');
      const registered = await server.deps.bus.execute(productDecider, streamName('product', productId as number), {
        type: 'RegisterProduct', caller: { userId: ownerId, isAdmin: false }, releaseExists: true,
        data: { productId: productId as number, displayName: `output of ${processId}`, productTypeName: 'redshift_catalog', releaseName: null, officialProduct: false, pzCode: null, description: null, derivedFrom: [], origin: 'combine_redshift_dedup', processId: String(processId), initialStatus: 3 },
      }, systemContext(randomUUID()));
      if (!registered.ok) throw new Error(registered.error.message);
      return productId as number;
    };
    const requested = async (processId: number, outputProductId: number) => {
      const appended = await server.deps.bus.execute(runDecider, streamName('run', processId), {
        type: 'RequestRun',
        data: { runId: randomUUID(), processId, pipeline: 'combine_redshift_dedup', pipelineVersion: '1', displayName: 'run', usedConfig: { param: {} }, inputs: [1], inputDetails: [{ productId: 1, internalName: '1_input', productTypeName: 'redshift_catalog', fileId: 1, sha256: 'a'.repeat(64), columns: {} }], releaseName: null, outputProductId, ownerId, flagsTranslation: null },
      }, systemContext(randomUUID()));
      if (!appended.ok) throw new Error(appended.error.message);
    };
    const statusOf = async (productId: number) => (await server.deps.catalogue.selectFrom('products').select('status').where('id', '=', productId).executeTakeFirstOrThrow()).status;

    it('fails an output whose run was never requested, queues a requested run that was never queued, and leaves the rest alone', async () => {
      const orphan = await output(9001);
      const unqueued = await output(9002);
      await requested(9002, unqueued);
      const queuedAlready = await output(9003);
      await requested(9003, queuedAlready);
      const queue = recordingQueue([9003]);

      // Registered just now: the request may still be on its way, nothing is touched.
      const tooEarly = await recoverInterruptedRequests(server.deps, queue, new Date(Date.now() - 60_000));
      expect(tooEarly).toEqual({ queued: [], failedOutputs: [] });

      const later = new Date(Date.now() + 1000);
      const recovered = await recoverInterruptedRequests(server.deps, queue, later);
      expect(recovered).toEqual({ queued: [9002], failedOutputs: [orphan] });
      expect(queue.queued).toEqual([9002]);
      expect(await statusOf(orphan)).toBe(9);
      expect(await statusOf(unqueued)).toBe(3);
      const history = await server.deps.store.readStream(streamName('product', orphan));
      expect(history.at(-1)).toMatchObject({ type: 'ProductProcessingFailed', data: { reason: NEVER_REQUESTED } });

      // Once fixed, nothing matches any more.
      expect(await recoverInterruptedRequests(server.deps, queue, later)).toEqual({ queued: [], failedOutputs: [] });
    });
  });
}
