import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ByteReader } from './byte-reader';

/** Helpers for this package's tests and its memory probe. */

export interface TemporaryDirectory {
  readonly path: string;
  remove(): Promise<void>;
}

export async function temporaryDirectory(): Promise<TemporaryDirectory> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'pz-blobs-'));
  return { path: directory, remove: () => rm(directory, { recursive: true, force: true }) };
}

/** Reproducible pseudo-random bytes (xorshift32), so a test's data never depends on a run. */
export function deterministicBytes(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

/** Splits `bytes` at the given sizes, cycling through them. */
export function* slices(bytes: Uint8Array, sizes: readonly number[]): Generator<Uint8Array> {
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = sizes[i % sizes.length] ?? bytes.length;
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

export async function* asyncChunks(chunks: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

/** Yields `chunks`, then fails the way an aborted upload does. */
export async function* failingAfter(chunks: Iterable<Uint8Array>, reason = 'client aborted'): AsyncGenerator<Uint8Array> {
  yield* chunks;
  throw new Error(reason);
}

/** Everything `reader` gives, read through one reused buffer of `bufferBytes`; the reader is closed after. */
export async function readerBytes(reader: ByteReader, bufferBytes = 1 << 20): Promise<Buffer> {
  const buffer = Buffer.alloc(bufferBytes);
  const parts: Buffer[] = [];
  try {
    for (let count = await reader.read(buffer); count > 0; count = await reader.read(buffer)) parts.push(Buffer.from(buffer.subarray(0, count)));
  } finally {
    await reader.close();
  }
  return Buffer.concat(parts);
}

export async function filesIn(directory: string): Promise<string[]> {
  return readdir(directory, { recursive: true });
}
