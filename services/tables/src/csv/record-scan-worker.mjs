// Runs scanRecords (record-scan.mjs) in a worker thread, posting progress as it goes. Plain
// JavaScript so node runs it as is, under tsx and vitest alike. Caller: scan-records-in-worker.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { scanRecords } from './record-scan.mjs';

const { filePath, dialect, headerRecords } = workerData;
try {
  const outcome = scanRecords(filePath, dialect, {
    headerRecords,
    onProgress: (bytesScanned) => parentPort.postMessage({ progress: bytesScanned }),
  });
  parentPort.postMessage({ outcome });
} catch (cause) {
  parentPort.postMessage({ failure: cause instanceof Error ? cause.message : String(cause) });
}
