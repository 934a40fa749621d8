import type { FileHandle } from 'node:fs/promises';

const BATCH_BYTES = 1 << 20;

/**
 * Appends bytes to a file in 1 MiB writes, with one write in flight while the next batch fills.
 * Hashing on the main thread then overlaps with the write on libuv's thread pool, memory stays at
 * two batches whatever the upload size, and a source may reuse its chunk buffer because every
 * chunk is copied before `push` resolves.
 */
export class BatchedFileWriter {
  private readonly batches = [Buffer.allocUnsafe(BATCH_BYTES), Buffer.allocUnsafe(BATCH_BYTES)] as const;
  private current: 0 | 1 = 0;
  private filled = 0;
  private position = 0;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly handle: FileHandle) {}

  async push(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      const count = Math.min(bytes.length - offset, BATCH_BYTES - this.filled);
      this.batches[this.current].set(bytes.subarray(offset, offset + count), this.filled);
      this.filled += count;
      offset += count;
      if (this.filled === BATCH_BYTES) await this.startWrite();
    }
  }

  /** Writes what remains and waits until every write has finished. */
  async flush(): Promise<void> {
    if (this.filled > 0) await this.startWrite();
    await this.inFlight;
  }

  /** Waits for the write in flight, ignoring its outcome, so the handle can be closed. */
  async settle(): Promise<void> {
    await this.inFlight.catch(() => undefined);
  }

  private async startWrite(): Promise<void> {
    // The other batch is free only once its write has finished.
    await this.inFlight;
    const batch = this.batches[this.current].subarray(0, this.filled);
    this.inFlight = writeFully(this.handle, batch, this.position);
    // A failure is reported by the next await of `inFlight`; without this handler Node would
    // treat it as unhandled if the source is slow to yield the next chunk.
    this.inFlight.catch(() => undefined);
    this.position += this.filled;
    this.current = this.current === 0 ? 1 : 0;
    this.filled = 0;
  }
}

async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, position + written);
    written += bytesWritten;
  }
}
