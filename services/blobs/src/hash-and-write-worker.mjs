// Hashes (sha256 + CRC-32) and writes the batches of one upload at a time, off the main thread,
// so that parsing the request, hashing and writing run on different cores. Plain JavaScript on
// purpose: a worker starts from a file that node runs as is, in production (tsx) and under vitest
// alike. The message shapes are declared in worker-hash-writer.ts, the only caller.
//
// The worker writes to a descriptor the main thread opened (threads share the process's
// descriptor table). Every batch is sent back once written, so the main thread knows when no
// write is pending and only then closes the descriptor. After a failed write, the rest of the
// upload's batches are returned unwritten.
import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { crc32 } from 'node:zlib';

let sha256 = createHash('sha256');
let crc = 0;
let failed = false;

function writeFully(fd, bytes, position) {
  let written = 0;
  while (written < bytes.length) {
    written += writeSync(fd, bytes, written, bytes.length - written, position + written);
  }
}

parentPort.on('message', (message) => {
  if (message.op === 'write') {
    const { fd, position, bytes, length } = message;
    if (!failed) {
      const view = bytes.subarray(0, length);
      try {
        sha256.update(view);
        crc = crc32(view, crc);
        writeFully(fd, view, position);
      } catch (cause) {
        failed = true;
        parentPort.postMessage(
          { op: 'failed', bytes, message: cause instanceof Error ? cause.message : String(cause), code: cause?.code },
          [bytes.buffer],
        );
        return;
      }
    }
    parentPort.postMessage({ op: 'written', bytes }, [bytes.buffer]);
  } else if (message.op === 'digest') {
    parentPort.postMessage({ op: 'digest', sha256: sha256.digest('hex'), crc32: crc >>> 0 });
    sha256 = createHash('sha256');
    crc = 0;
  } else if (message.op === 'reset') {
    sha256 = createHash('sha256');
    crc = 0;
    failed = false;
  }
});
