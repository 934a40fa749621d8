import type { FileHandle } from 'node:fs/promises';
import { sharedHashWorkerPool, type HashWorkerPool } from './hash-worker-pool';
import { MainThreadHashWriter } from './main-thread-hash-writer';
import { WorkerHashWriter } from './worker-hash-writer';

export interface HashDigest {
  readonly sha256: string;
  readonly crc32: number;
}

/** Writes content to a file in order while hashing it. */
export interface HashingWriter {
  /** Takes a copy of `bytes` before resolving, so the caller may reuse the buffer. */
  push(bytes: Uint8Array): Promise<void>;
  /** Writes what remains; resolves once every byte is written, with the digest of them all. */
  finish(): Promise<HashDigest>;
  /** Waits until no write is pending, whatever happened, so the file can be closed. */
  settle(): Promise<void>;
}

/** Content up to this size is hashed where it arrives: lending it a worker would cost more. */
export const OFFLOAD_AFTER_BYTES = 1 << 20;

/**
 * Holds the first MiB; content that ends within it is hashed and written on this thread. Longer
 * content goes to a worker from the pool, so that hashing (the largest cost of an upload) runs
 * beside the request's parsing instead of after it; with no worker free, it stays on this thread.
 */
export class AdaptiveHashingWriter implements HashingWriter {
  private readonly head = new Uint8Array(OFFLOAD_AFTER_BYTES);
  private headFilled = 0;
  private delegate: HashingWriter | undefined;

  constructor(
    private readonly handle: FileHandle,
    private readonly pool: HashWorkerPool = sharedHashWorkerPool,
  ) {}

  async push(bytes: Uint8Array): Promise<void> {
    if (this.delegate !== undefined) return this.delegate.push(bytes);
    if (this.headFilled + bytes.length <= this.head.length) {
      this.head.set(bytes, this.headFilled);
      this.headFilled += bytes.length;
      return;
    }
    const lease = this.pool.tryAcquire();
    const delegate = lease === null ? new MainThreadHashWriter(this.handle) : new WorkerHashWriter(lease, this.handle.fd);
    this.delegate = delegate;
    await delegate.push(this.head.subarray(0, this.headFilled));
    await delegate.push(bytes);
  }

  async finish(): Promise<HashDigest> {
    if (this.delegate === undefined) {
      this.delegate = new MainThreadHashWriter(this.handle);
      await this.delegate.push(this.head.subarray(0, this.headFilled));
    }
    return this.delegate.finish();
  }

  async settle(): Promise<void> {
    await this.delegate?.settle();
  }
}
