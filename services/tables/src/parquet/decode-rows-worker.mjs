// Decodes Parquet rows off the main thread, one request after another (the worker pool of
// decode-rows-in-worker.ts keeps it alive between requests). Plain JavaScript on purpose: a
// worker starts from a file that node runs as is, in production (tsx) and under vitest alike.
// The request and reply shapes are declared in decode-rows-in-worker.ts, the only caller.
import { open } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { parquetReadObjects } from 'hyparquet';

async function decode({ filePath, metadata, rowStart, rowEnd, columns }) {
  let bytesRead = 0;
  let reads = 0;
  const handle = await open(filePath, 'r');
  const file = {
    byteLength: (await handle.stat()).size,
    async slice(start, end = this.byteLength) {
      const buffer = new Uint8Array(end - start);
      let filled = 0;
      while (filled < buffer.length) {
        const result = await handle.read(buffer, filled, buffer.length - filled, start + filled);
        if (result.bytesRead === 0) break;
        filled += result.bytesRead;
      }
      bytesRead += filled;
      reads += 1;
      return buffer.buffer.slice(0, filled);
    },
  };
  try {
    const rows = await parquetReadObjects({
      file,
      metadata,
      rowStart,
      rowEnd,
      columns,
      compressors: {
        GZIP: (input) => gunzipSync(input),
        BROTLI: (input) => brotliDecompressSync(input),
        // Node 20's zlib has no Zstandard; HATS partitions (hats-import) are ZSTD-compressed.
        ZSTD: (input, outputLength) => zstdDecompress(input, new Uint8Array(outputLength)),
      },
    });
    return { ok: true, rows, bytesRead, reads };
  } catch (cause) {
    const corrupt = cause instanceof TypeError || cause instanceof RangeError;
    const message = corrupt ? 'its bytes are corrupt (the decoder failed on them)' : cause instanceof Error ? cause.message : String(cause);
    return { ok: false, message, bytesRead, reads };
  } finally {
    await handle.close();
  }
}

parentPort.postMessage({ ready: true });
parentPort.on('message', async ({ id, request }) => {
  const reply = await decode(request);
  parentPort.postMessage({ id, reply });
});
