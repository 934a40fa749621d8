import type { FileHandle } from 'node:fs/promises';

/**
 * Sequential reads into the caller's buffer. Unlike a stream, which allocates a new buffer for
 * every chunk, the caller can reuse a few buffers for gigabytes: at download speed, a fresh
 * megabyte per chunk kept the garbage collector running a full collection every few dozen
 * megabytes (see docs/benchmarks.md, zip download).
 */
export interface ByteReader {
  /** Copies the next bytes into `into`, as many as fit and remain; resolves 0 only at the end. */
  read(into: Uint8Array): Promise<number>;
  /** Releases what the reader holds. Safe to call more than once; reading afterwards fails. */
  close(): Promise<void>;
}

/** The bytes of a buffer already in memory. */
export function bytesReader(bytes: Uint8Array): ByteReader {
  let position = 0;
  return {
    async read(into) {
      const count = Math.min(into.length, bytes.length - position);
      into.set(bytes.subarray(position, position + count));
      position += count;
      return count;
    },
    async close() {},
  };
}

/**
 * Bytes `start..end` (both inclusive; to the end of the file without `end`) of an open file, read
 * at their positions; closes the file with the reader. A file shorter than the range ends early
 * (a read of 0): the caller decides whether that is an error.
 */
export function fileRangeReader(handle: FileHandle, start: number, end = Number.POSITIVE_INFINITY): ByteReader {
  let position = start;
  let closed = false;
  return {
    async read(into) {
      if (closed) throw new Error('read after close');
      const length = Math.min(into.length, end + 1 - position);
      if (length <= 0) return 0;
      const { bytesRead } = await handle.read(into, 0, length, position);
      position += bytesRead;
      return bytesRead;
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

/** A reader opened only when first read, so an answer that is never read opens nothing. */
export function deferredReader(opening: () => Promise<ByteReader>): ByteReader {
  let opened: Promise<ByteReader> | undefined;
  let closed = false;
  return {
    async read(into) {
      if (closed) throw new Error('read after close');
      opened ??= opening();
      return (await opened).read(into);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (opened !== undefined) await (await opened.catch(() => undefined))?.close();
    },
  };
}
