// A scan thread: runs scanRecords (record-scan.mjs) for each request it is sent, one at a time,
// posting progress as it goes. Plain JavaScript so node runs it as is, under tsx and vitest
// alike. Caller: scan-records-in-worker.ts, which keeps the thread between scans.
import { parentPort } from 'node:worker_threads';
import { scanRecords } from './record-scan.mjs';

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
