import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { isNotFound, writeFileAtomically } from './durable-fs';

/**
 * What the store keeps beside each blob, so that a zip download can write a stored entry (whose
 * header needs the CRC-32 and size) without reading the content twice.
 */
export interface BlobRecord {
  readonly size: number;
  /** CRC-32 (IEEE, as zip and gzip use it) as an unsigned 32-bit integer. */
  readonly crc32: number;
}

/** Null when the record is missing or unreadable; the caller can rebuild it from the content. */
export async function readBlobRecord(recordPath: string): Promise<BlobRecord | null> {
  let text: string;
  try {
    text = await readFile(recordPath, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  return parseBlobRecord(text);
}

export function parseBlobRecord(text: string): BlobRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { size, crc32: crc } = value as Record<string, unknown>;
  const isUint = (n: unknown, max: number): n is number => Number.isSafeInteger(n) && (n as number) >= 0 && (n as number) <= max;
  return isUint(size, Number.MAX_SAFE_INTEGER) && isUint(crc, 0xffff_ffff) ? { size, crc32: crc } : null;
}

export async function writeBlobRecord(recordPath: string, record: BlobRecord, tempDirectory: string): Promise<void> {
  const text = JSON.stringify({ size: record.size, crc32: record.crc32 });
  await writeFileAtomically(recordPath, text, tempDirectory);
}

/** Recomputes a record from stored content, for a blob whose sidecar was lost. */
export async function computeBlobRecord(dataPath: string): Promise<BlobRecord> {
  let size = 0;
  let crc = 0;
  for await (const chunk of createReadStream(dataPath, { highWaterMark: 1 << 20 })) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    crc = crc32(bytes, crc);
  }
  return { size, crc32: crc };
}
