// A worker for worker-pool.test.ts: spins the CPU for `ms`, then answers its thread id.
import { parentPort, threadId } from 'node:worker_threads';

parentPort.postMessage({ ready: true });
parentPort.on('message', ({ id, request }) => {
  const until = Date.now() + request.ms;
  while (Date.now() < until) {
    // Busy on purpose: only terminating the thread stops this.
  }
  parentPort.postMessage({ id, reply: threadId, recycle: request.recycle === true });
});
