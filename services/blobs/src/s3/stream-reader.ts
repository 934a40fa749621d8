import type { ByteReader } from '../byte-reader';

/**
 * A ByteReader over a stream of chunks (an S3 object body): fills the caller's buffer from the
 * chunks as they come, keeping the rest of a chunk for the next read.
 */
export function chunkStreamReader(chunks: AsyncIterable<Uint8Array>, onClose: () => void = () => {}): ByteReader {
  const iterator = chunks[Symbol.asyncIterator]();
  let pending: Uint8Array | null = null;
  let ended = false;
  let closed = false;
  return {
    async read(into) {
      if (closed) throw new Error('read after close');
      let filled = 0;
      while (filled < into.length) {
        if (!pending || pending.length === 0) {
          if (ended) break;
          const step = await iterator.next();
          if (step.done === true) {
            ended = true;
            break;
          }
          pending = step.value;
        }
        const count = Math.min(into.length - filled, pending.length);
        into.set(pending.subarray(0, count), filled);
        pending = pending.subarray(count);
        filled += count;
      }
      return filled;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (!ended) await iterator.return?.()?.catch(() => undefined);
      onClose();
    },
  };
}
