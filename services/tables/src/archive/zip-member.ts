import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { openPromise, type Entry } from 'yauzl';
import { err, ok, type Result } from '@pz/contracts';
import { tableError, type TableError } from '../errors';
import { exactlyOneTable, extractedFileName, isTableMember } from './archive-members';
import { capBytes, ExtractionCapExceeded } from './extraction-cap';

export interface ExtractedMember {
  readonly memberName: string;
  readonly filePath: string;
}

const nameOf = (entry: Entry): string => (typeof entry.fileName === 'string' ? entry.fileName : entry.fileName.toString('utf8')).replace(/\\/g, '/');

/**
 * Extracts the one table of a zip into `directory`. Names are read raw (`decodeStrings: false`)
 * because yauzl rejects a whole archive over one unsafe member path, and member paths are never
 * used for writing anyway.
 */
export async function extractZipTable(archivePath: string, directory: string, limit: number): Promise<Result<ExtractedMember, TableError>> {
  let zip;
  try {
    zip = await openPromise(archivePath, { autoClose: false, decodeStrings: false, validateEntrySizes: true });
  } catch (cause) {
    return err(tableError('TABLE_ARCHIVE_INVALID', `The zip archive is unreadable: ${(cause instanceof Error ? cause.message : String(cause)).replace(/\.+$/, '')}.`));
  }
  try {
    const tables = new Map<string, Entry>();
    for await (const entry of zip.eachEntry()) {
      const name = nameOf(entry);
      if (isTableMember(name)) tables.set(name, entry);
    }
    const chosen = exactlyOneTable([...tables.keys()], 'zip archive');
    if (!chosen.ok) return chosen;
    const memberName = chosen.value;
    const entry = tables.get(memberName);
    if (!entry) return err(tableError('TABLE_ARCHIVE_INVALID', 'The zip archive changed while it was read.'));
    if (entry.isEncrypted()) return err(tableError('TABLE_ARCHIVE_INVALID', `The zip member ${memberName} is encrypted.`));
    if (!entry.canDecodeFileData()) {
      return err(tableError('TABLE_ARCHIVE_INVALID', `The zip member ${memberName} uses compression method ${entry.compressionMethod}, which is not supported (only stored and deflate).`));
    }
    if (entry.uncompressedSize > limit) throw new ExtractionCapExceeded(limit);
    const filePath = path.join(directory, extractedFileName(memberName));
    await pipeline(await zip.openReadStreamPromise(entry), capBytes(limit), createWriteStream(filePath, { flags: 'wx' }));
    return ok({ memberName, filePath });
  } finally {
    zip.close();
  }
}
