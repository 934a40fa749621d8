import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extractedFileName } from './archive-members';
import { capBytes } from './extraction-cap';
import type { ExtractedMember } from './zip-member';

/** A tar header carries `ustar` at byte 257; reading that far decides tar.gz versus .gz. */
const TAR_MAGIC_END = 262;

export async function gzipHoldsTar(archivePath: string): Promise<boolean> {
  const gunzip = createGunzip();
  const source = createReadStream(archivePath);
  source.pipe(gunzip);
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      head = Buffer.concat([head, chunk]);
      if (head.length >= TAR_MAGIC_END) break;
    }
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  return head.subarray(257, 262).toString('latin1') === 'ustar';
}

/** A single gzipped file (`catalog.csv.gz`): the member is the upload name without `.gz`. */
export async function extractGzipMember(archivePath: string, fileName: string, directory: string, limit: number): Promise<ExtractedMember> {
  const memberName = fileName.replace(/\.gz$/i, '') || 'member';
  const filePath = path.join(directory, extractedFileName(memberName));
  await pipeline(createReadStream(archivePath), createGunzip(), capBytes(limit), createWriteStream(filePath, { flags: 'wx' }));
  return { memberName, filePath };
}
