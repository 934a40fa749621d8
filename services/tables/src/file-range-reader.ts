import { open, type FileHandle } from 'node:fs/promises';
import type { ReadMeter } from './types';

/**
 * Random access to a file by byte range. Readers for formats with an index (Parquet footer,
 * FITS headers) go through this so a preview touches only the bytes it needs; the optional
 * meter makes that claim testable.
 */
export interface FileRangeReader {
  readonly size: number;
  /** Up to `length` bytes from `offset`; shorter only at the end of the file. */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export async function openFileRangeReader(filePath: string, meter?: ReadMeter): Promise<FileRangeReader> {
  const handle: FileHandle = await open(filePath, 'r');
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (cause) {
    await handle.close();
    throw cause;
  }
  return {
    size,
    async read(offset, length) {
      const wanted = Math.max(0, Math.min(length, size - offset));
      const buffer = new Uint8Array(wanted);
      let filled = 0;
      while (filled < wanted) {
        const { bytesRead } = await handle.read(buffer, filled, wanted - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (meter) {
        meter.bytesRead += filled;
        meter.reads += 1;
      }
      return filled === wanted ? buffer : buffer.subarray(0, filled);
    },
    close: () => handle.close(),
  };
}

/** Runs `use` with an open reader and always closes it. */
export async function withFileRangeReader<T>(
  filePath: string,
  meter: ReadMeter | undefined,
  use: (reader: FileRangeReader) => Promise<T>,
): Promise<T> {
  const reader = await openFileRangeReader(filePath, meter);
  try {
    return await use(reader);
  } finally {
    await reader.close();
  }
}
