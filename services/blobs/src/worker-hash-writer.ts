import type { HashWorkerLease } from './hash-worker-pool';
import type { HashingWriter, HashDigest } from './hashing-writer';

const BATCH_BYTES = 1 << 20;
/** Batches out at once: one being filled here, the others queued or being hashed and written. */
const BATCHES = 4;

type WorkerReply =
  | { readonly op: 'written'; readonly bytes: Uint8Array<ArrayBuffer> }
  | { readonly op: 'failed'; readonly bytes: Uint8Array<ArrayBuffer>; readonly message: string; readonly code?: string }
  | { readonly op: 'digest'; readonly sha256: string; readonly crc32: number };

const isReply = (value: unknown): value is WorkerReply =>
  typeof value === 'object' && value !== null && 'op' in value;

/**
 * Copies the content into 1 MiB batches and hands each, without copying, to a worker that hashes
 * and writes it at its position in the file; the batch comes back to be filled again. Memory
 * stays at four batches whatever the upload size. `settle` returns only when the worker holds no
 * batch, so the caller may then close the descriptor: no write can land after that.
 */
export class WorkerHashWriter implements HashingWriter {
  private readonly free: Uint8Array<ArrayBuffer>[] = [];
  private current: Uint8Array<ArrayBuffer>;
  private filled = 0;
  private position = 0;
  private failure: Error | undefined;
  private exited = false;
  private wakeUp: (() => void) | undefined;
  private digest: HashDigest | undefined;

  constructor(
    private readonly lease: HashWorkerLease,
    private readonly fd: number,
  ) {
    for (let i = 1; i < BATCHES; i += 1) this.free.push(new Uint8Array(BATCH_BYTES));
    this.current = new Uint8Array(BATCH_BYTES);
    const worker = lease.worker;
    worker.on('message', (reply: unknown) => this.onReply(reply));
    worker.on('error', (cause) => this.fail(cause));
    worker.on('exit', (code) => {
      this.exited = true;
      this.fail(new Error(`the hashing worker stopped (exit code ${code})`));
    });
  }

  async push(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      this.throwIfFailed();
      const count = Math.min(bytes.length - offset, BATCH_BYTES - this.filled);
      this.current.set(bytes.subarray(offset, offset + count), this.filled);
      this.filled += count;
      offset += count;
      if (this.filled === BATCH_BYTES) await this.send();
    }
  }

  async finish(): Promise<HashDigest> {
    if (this.filled > 0) await this.send();
    this.throwIfFailed();
    // The worker answers in order: the digest comes after the last batch is written.
    this.lease.worker.postMessage({ op: 'digest' });
    while (this.digest === undefined) {
      this.throwIfFailed();
      await this.nextReply();
    }
    return this.digest;
  }

  async settle(): Promise<void> {
    while (this.outstanding > 0 && !this.exited) await this.nextReply();
    if (this.failure !== undefined || this.outstanding > 0) this.lease.discard();
    else this.lease.release();
  }

  private async send(): Promise<void> {
    while (this.free.length === 0) {
      this.throwIfFailed();
      await this.nextReply();
    }
    this.throwIfFailed();
    const bytes = this.current;
    this.lease.worker.postMessage({ op: 'write', fd: this.fd, position: this.position, bytes, length: this.filled }, [
      bytes.buffer,
    ]);
    this.position += this.filled;
    this.filled = 0;
    this.current = this.free.pop() as Uint8Array<ArrayBuffer>;
  }

  private onReply(reply: unknown): void {
    if (!isReply(reply)) return;
    if (reply.op === 'digest') {
      this.digest = { sha256: reply.sha256, crc32: reply.crc32 };
      this.wake();
      return;
    }
    this.free.push(reply.bytes);
    if (reply.op === 'failed') {
      const error = Object.assign(new Error(reply.message), reply.code === undefined ? {} : { code: reply.code });
      this.fail(error);
    }
    this.wake();
  }

  /** Batches the worker holds: all but the one being filled here and those back in `free`. */
  private get outstanding(): number {
    return BATCHES - 1 - this.free.length;
  }

  private fail(cause: Error): void {
    this.failure ??= cause;
    this.wake();
  }

  private wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  private nextReply(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = resolve;
    });
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
