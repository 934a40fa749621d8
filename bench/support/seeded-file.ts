import { open } from 'node:fs/promises';
import { Random } from './random';

const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Writes `bytes` pseudo-random bytes (the same for the same seed) in 4 MiB chunks, so memory stays
 * flat whatever the size. Random bytes do not compress, so no layer can make them cheaper than
 * they are. The file is fsynced before returning, so its write-back does not land in a timed phase.
 */
export async function writeSeededFile(filePath: string, bytes: number, seed: number): Promise<void> {
  const random = new Random(seed);
  const chunk = Buffer.alloc(CHUNK_BYTES);
  const words = new Uint32Array(chunk.buffer, chunk.byteOffset, CHUNK_BYTES / 4);
  const handle = await open(filePath, 'w');
  try {
    for (let written = 0; written < bytes; ) {
      for (let i = 0; i < words.length; i++) words[i] = random.next() * 0x100000000;
      const length = Math.min(CHUNK_BYTES, bytes - written);
      await handle.write(chunk, 0, length, written);
      written += length;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}
