// A scan thread: runs scanRecords (record-scan.mjs) for each request it is sent, one at a time,
// posting progress as it goes. Plain JavaScript so node runs it as is, under tsx and vitest
// alike. Caller: scan-records-in-worker.ts, which keeps the thread between scans.
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { scanRecords } from './record-scan.mjs';

/**
 * The scan thread's nice value (Linux keeps one per thread; 0 names the calling thread). A scan
 * keeps a core busy for seconds; at a lower priority than the event loop it gives way whenever
 * the two want the same core, so requests are not held (`GET /api/` p99 during a 3 GB registry).
 * On an idle core it runs as fast as before.
 */
const SCAN_THREAD_NICE = 10;
try {
  setPriority(0, SCAN_THREAD_NICE);
} catch {
  // Where priorities cannot be changed, the scan runs at the process's own.
}

parentPort.on('message', ({ filePath, dialect, headerRecords }) => {
  try {
    const outcome = scanRecords(filePath, dialect, {
      headerRecords,
      onProgress: (bytesScanned) => parentPort.postMessage({ progress: bytesScanned }),
    });
    parentPort.postMessage({ outcome });
  } catch (cause) {
    parentPort.postMessage({ failure: cause instanceof Error ? cause.message : String(cause) });
  }
});
