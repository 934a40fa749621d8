import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { err, ok, type Result } from '@pz/contracts';
import { tableError, type TableError } from '../errors';
import { exactlyOneTable, extractedFileName, isSidecarProne, isTableMember } from './archive-members';
import { capBytes } from './extraction-cap';
import type { ExtractedMember } from './zip-member';

const drain = (stream: Readable): Promise<void> =>
  new Promise((resolve, reject) => {
    stream.on('end', resolve).on('error', reject).resume();
  });

/**
 * Extracts the one table of a tar (gzipped or not) into `directory` in a single streaming pass:
 * the first table member is written out (and the first `.xml` one, which is the table only when
 * no other is), later ones are only counted. The cap applies to the whole decompressed stream.
 */
export async function extractTarTable(
  archivePath: string,
  gzipped: boolean,
  directory: string,
  limit: number,
): Promise<Result<ExtractedMember, TableError>> {
  const entries = extract();
  const feeding = pipeline([createReadStream(archivePath), ...(gzipped ? [createGunzip()] : []), capBytes(limit), entries]).then(
    () => null,
    (cause: unknown) => cause,
  );
  const tableMembers: string[] = [];
  const extracted = new Map<string, ExtractedMember>();
  try {
    for await (const entry of entries) {
      const name = entry.header.name.replace(/\\/g, '/');
      const isTable = (entry.header.type === 'file' || entry.header.type === 'contiguous-file') && isTableMember(name);
      if (isTable) tableMembers.push(name);
      const kind = isSidecarProne(name) ? 'xml' : 'table';
      if (isTable && !extracted.has(kind)) {
        const filePath = path.join(directory, extractedFileName(name));
        await pipeline(entry as unknown as Readable, createWriteStream(filePath, { flags: 'wx' }));
        extracted.set(kind, { memberName: name, filePath });
      } else {
        await drain(entry as unknown as Readable);
      }
    }
  } catch (cause) {
    // Unblocks the feeding pipeline, whose own error (cap, corrupt gzip) is the one to report.
    entries.destroy();
    throw (await feeding) ?? cause;
  }
  const failure = await feeding;
  if (failure) throw failure;
  const chosen = exactlyOneTable(tableMembers, gzipped ? 'tar.gz archive' : 'tar archive');
  if (!chosen.ok) return chosen;
  const member = [...extracted.values()].find((m) => m.memberName === chosen.value);
  return member ? ok(member) : err(tableError('TABLE_ARCHIVE_INVALID', 'The tar archive holds no table file.'));
}
