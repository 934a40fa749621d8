/**
 * Writes a large generated stream into a blob store and prints, as one JSON line, the digest it
 * expected, what the store returned, the peak growth of RSS and the elapsed time. It runs in its
 * own process (see memory-probe.test.ts) so that RSS reflects this write and nothing else.
 *
 * Usage: node --import tsx memory-probe.ts <store root> <bytes>
 */
import { createHash } from 'node:crypto';
import { openBlobStore } from './blob-store';
import { deterministicBytes } from './testing';

const BLOCK_BYTES = 1 << 20;

const [root, bytesArgument] = process.argv.slice(2);
const totalBytes = Number(bytesArgument);
if (root === undefined || !Number.isSafeInteger(totalBytes) || totalBytes < 0) {
  throw new Error('usage: memory-probe.ts <store root> <bytes>');
}

const store = await openBlobStore(root);
const expected = createHash('sha256');
const baselineRss = process.memoryUsage.rss();
let peakRss = baselineRss;
const sampleRss = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
};
// Samples also while the loop waits on the disk (the final fsync), not only between blocks.
const sampler = setInterval(sampleRss, 10);

/** One pseudo-random block, reused with a counter stamped in, so the whole stream never repeats. */
async function* generated(): AsyncGenerator<Uint8Array> {
  const block = Buffer.from(deterministicBytes(BLOCK_BYTES, 2024));
  for (let offset = 0, counter = 0; offset < totalBytes; offset += BLOCK_BYTES, counter++) {
    block.writeUInt32LE(counter, 0);
    const chunk = block.subarray(0, Math.min(BLOCK_BYTES, totalBytes - offset));
    expected.update(chunk);
    sampleRss();
    yield chunk;
  }
}

const startedAt = performance.now();
const written = await store.write(generated());
const elapsedMs = performance.now() - startedAt;
clearInterval(sampler);
sampleRss();

console.log(
  JSON.stringify({
    expectedSha256: expected.digest('hex'),
    written,
    baselineRss,
    peakRss,
    rssGrowth: peakRss - baselineRss,
    elapsedMs,
  }),
);
