import { readFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import type { BlobStore } from '@pz/blobs';
import type { ExtractedArchiveMember, RowIndex } from '@pz/tables';

/**
 * What registry derives from a main file and keeps in the hash store, named in the registry
 * event's `details`: the table extracted from an archive (previews read it instead of extracting
 * the archive on every request) and the row index of a text table (deep pages seek with it).
 */
export const EXTRACTED_SHA256 = 'extracted_sha256';
export const EXTRACTED_NAME = 'extracted_name';
export const ROW_INDEX_SHA256 = 'row_index_sha256';

export type DerivedDetails = Record<string, string>;

/** An `onArchiveMember` callback that stores the member, and the details naming it once stored. */
export function archiveMemberKeeper(blobs: BlobStore) {
  const kept: DerivedDetails = {};
  return {
    kept,
    async keep(member: ExtractedArchiveMember): Promise<void> {
      const written = await blobs.write(createReadStream(member.filePath));
      if (!written.ok) throw new Error(`the extracted archive member could not be stored: ${written.error.message}`);
      kept[EXTRACTED_SHA256] = written.value.sha256;
      kept[EXTRACTED_NAME] = member.memberName.split('/').filter(Boolean).at(-1) ?? member.memberName;
    },
  };
}

/** Stores a row index as JSON; returns the details naming it. */
export async function keepRowIndex(blobs: BlobStore, rowIndex: RowIndex): Promise<DerivedDetails> {
  const bytes = Buffer.from(JSON.stringify({ every: rowIndex.every, offsets: rowIndex.offsets }));
  const written = await blobs.write((async function* () {
    yield bytes;
  })());
  if (!written.ok) throw new Error(`the row index could not be stored: ${written.error.message}`);
  return { [ROW_INDEX_SHA256]: written.value.sha256 };
}

const isRowIndex = (value: unknown): value is RowIndex =>
  typeof value === 'object' && value !== null && 'every' in value && 'offsets' in value &&
  typeof value.every === 'number' && value.every > 0 && Array.isArray(value.offsets) && value.offsets.every((o) => typeof o === 'number');

/** Row indexes are small (8 bytes per 4096 rows) and never change: keep the recent ones. */
const INDEX_CACHE_ENTRIES = 64;
const indexCache = new Map<string, RowIndex>();

/** The row index a registry kept, or undefined when there is none or it cannot be read (the page is then parsed from the top). */
export async function loadRowIndex(blobs: BlobStore, details: Record<string, unknown>): Promise<RowIndex | undefined> {
  const sha256 = details[ROW_INDEX_SHA256];
  if (typeof sha256 !== 'string') return undefined;
  const cached = indexCache.get(sha256);
  if (cached) return cached;
  const located = await blobs.localPath(sha256);
  if (!located.ok) return undefined;
  try {
    const parsed: unknown = JSON.parse(await readFile(located.value, 'utf8'));
    if (!isRowIndex(parsed)) return undefined;
    if (indexCache.size >= INDEX_CACHE_ENTRIES) indexCache.delete(indexCache.keys().next().value as string);
    indexCache.set(sha256, parsed);
    return parsed;
  } catch {
    return undefined;
  }
}
