import { randomUUID } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { err, ok, type Result } from '@pz/contracts';
import { AdaptiveHashingWriter, type HashingWriter } from './hashing-writer';
import { removeIfPresent } from './durable-fs';
import { blobErrors, type BlobError } from './errors';

/** Bytes to store: a Node readable (an HTTP request, a file) or any async iterable of chunks. */
export type ContentSource = AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

export interface ContentDigest {
  readonly sha256: string;
  readonly size: number;
  readonly crc32: number;
}

export interface SpooledFile extends ContentDigest {
  /** A complete, fsynced file that the caller must publish or remove. */
  readonly tempPath: string;
}

/**
 * Copies `source` into a new file under `tempDirectory`, hashing as the bytes pass. On any failure
 * the file is removed before returning (or throwing), so only complete files are handed on.
 */
export async function spoolToTempFile(
  source: ContentSource,
  tempDirectory: string,
  maxBytes: number,
): Promise<Result<SpooledFile, BlobError>> {
  const tempPath = path.join(tempDirectory, `${randomUUID()}.blob`);
  // Read-only from birth: the descriptor opened here is the only one that can ever write it.
  const handle = await open(tempPath, 'wx', 0o444);
  const writer = new AdaptiveHashingWriter(handle);
  let outcome: Result<ContentDigest, BlobError> | undefined;
  let complete = false;
  try {
    outcome = await copyHashing(source, writer, maxBytes);
    if (outcome.ok) {
      await handle.sync();
      complete = true;
    }
  } finally {
    await writer.settle();
    await handle.close();
    if (!complete) await removeIfPresent(tempPath);
  }
  return outcome.ok ? ok({ ...outcome.value, tempPath }) : outcome;
}

async function copyHashing(
  source: ContentSource,
  writer: HashingWriter,
  maxBytes: number,
): Promise<Result<ContentDigest, BlobError>> {
  let size = 0;
  const chunks = source[Symbol.asyncIterator]();
  let sourceEnded = false;
  try {
    for (;;) {
      let step: IteratorResult<Uint8Array | string>;
      try {
        step = await chunks.next();
      } catch (cause) {
        sourceEnded = true;
        return err(blobErrors.sourceFailed(cause));
      }
      if (step.done === true) {
        sourceEnded = true;
        break;
      }
      const bytes = typeof step.value === 'string' ? Buffer.from(step.value) : step.value;
      if (size + bytes.length > maxBytes) return err(blobErrors.tooLarge(maxBytes));
      size += bytes.length;
      await writer.push(bytes);
    }
    const digest = await writer.finish();
    return ok({ ...digest, size });
  } finally {
    // Stops reading early (too large, or our own write failed); for a Node stream this destroys
    // it. The source is being abandoned, so how it takes that is of no interest.
    if (!sourceEnded) await chunks.return?.()?.catch(() => undefined);
  }
}
