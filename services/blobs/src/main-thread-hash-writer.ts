import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { BatchedFileWriter } from './batched-file-writer';
import type { HashDigest, HashingWriter } from './hashing-writer';

/** Hashes on the calling thread while the batched writes run on libuv's thread pool. */
export class MainThreadHashWriter implements HashingWriter {
  private readonly sha256 = createHash('sha256');
  private crc = 0;
  private readonly writer: BatchedFileWriter;

  constructor(handle: FileHandle) {
    this.writer = new BatchedFileWriter(handle);
  }

  async push(bytes: Uint8Array): Promise<void> {
    this.sha256.update(bytes);
    this.crc = crc32(bytes, this.crc);
    await this.writer.push(bytes);
  }

  async finish(): Promise<HashDigest> {
    await this.writer.flush();
    return { sha256: this.sha256.digest('hex'), crc32: this.crc };
  }

  async settle(): Promise<void> {
    await this.writer.settle();
  }
}
