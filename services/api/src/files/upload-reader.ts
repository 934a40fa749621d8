import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import type { ContentDigest } from '@pz/blobs';

/** A file part as the multipart parser hands it over; `truncated` is set when the parser's size limit cut it. */
export type UploadStream = Readable & { readonly truncated?: boolean };

export class UploadTooLargeError extends Error {
  constructor(maxBytes: number) {
    super(`the file is larger than the upload limit of ${maxBytes} bytes`);
  }
}

/**
 * One uploaded file, read exactly once and hashed as each chunk is pulled. The hash store may stop
 * pulling early (its own size limit) and the rest can still be hashed (`finish`: an over-limit
 * estimate keeps its digest without its bytes) or thrown away (`discard`: a refused upload is read
 * to its end, so the client gets our answer rather than a reset connection).
 */
export class UploadReader {
  readonly #file: UploadStream;
  readonly #maxBytes: number;
  // Pulled by hand, never by `for await`: that would destroy the stream when the store stops early.
  readonly #source: AsyncIterator<Buffer>;
  readonly #sha256 = createHash('sha256');
  #crc32 = 0;
  #size = 0;
  #ended = false;
  /** False once a chunk went by unhashed: then there is no digest to give. */
  #hashedEvery = true;

  constructor(file: UploadStream, maxBytes: number) {
    this.#file = file;
    this.#maxBytes = maxBytes;
    this.#source = file[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** Over the limit: counted here, or cut short by the multipart parser's own limit. */
  get tooLarge(): boolean {
    return this.#size > this.#maxBytes || this.#file.truncated === true;
  }

  /**
   * The bytes for the hash store; fails (so nothing is stored) when the upload is over the limit.
   * `hash` is needed only when the store may stop before the end (`finish` then completes the
   * digest); otherwise the store's own digest is the file's, and hashing here would do it twice.
   */
  async *chunks(hash: boolean): AsyncGenerator<Buffer> {
    for (;;) {
      const chunk = await this.#next(hash);
      if (this.tooLarge) throw new UploadTooLargeError(this.#maxBytes);
      if (chunk === null) return;
      yield chunk;
    }
  }

  /** Hashes what the store left unread; false when the stream failed before its end. */
  async finish(): Promise<boolean> {
    try {
      while ((await this.#next(true)) !== null && !this.tooLarge);
    } catch {
      return false;
    }
    if (this.tooLarge) await this.discard();
    return true;
  }

  /** Reads the rest without keeping or hashing it. A stream that fails instead has nothing left to read. */
  async discard(): Promise<void> {
    try {
      while ((await this.#next(false)) !== null);
    } catch {
      this.#ended = true;
    }
  }

  /** Meaningful once the stream has been read to its end with hashing. */
  digest(): ContentDigest {
    if (!this.#hashedEvery) throw new Error('part of the upload was read without hashing: no digest to give');
    return { sha256: this.#sha256.copy().digest('hex'), size: this.#size, crc32: this.#crc32 };
  }

  async #next(hash: boolean): Promise<Buffer | null> {
    if (this.#ended) return null;
    const step = await this.#source.next();
    if (step.done === true) {
      this.#ended = true;
      return null;
    }
    const chunk = step.value;
    this.#size += chunk.length;
    if (hash) {
      this.#sha256.update(chunk);
      this.#crc32 = crc32(chunk, this.#crc32);
    } else {
      this.#hashedEvery = false;
    }
    return chunk;
  }
}
