import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { err, ok, type Result } from '@pz/contracts';
import { tableError, type TableError } from '../errors';
import type { ReadContext, RowWindow, TableSlice } from '../types';
import { baseName } from './archive-members';
import { ExtractionCapExceeded, extractionLimit } from './extraction-cap';
import { extractGzipMember, gzipHoldsTar } from './gzip-member';
import { extractTarTable } from './tar-member';
import { extractZipTable, type ExtractedMember } from './zip-member';

export type ArchiveKind = 'zip' | 'gzip' | 'tar';

export type MemberReader = (filePath: string, window: RowWindow, context: ReadContext) => Promise<Result<TableSlice, TableError>>;

interface Extraction {
  readonly label: string;
  readonly member: Result<ExtractedMember, TableError>;
}

async function extract(kind: ArchiveKind, archivePath: string, fileName: string, directory: string, limit: number): Promise<Extraction> {
  switch (kind) {
    case 'zip':
      return { label: 'zip', member: await extractZipTable(archivePath, directory, limit) };
    case 'tar':
      return { label: 'tar', member: await extractTarTable(archivePath, false, directory, limit) };
    case 'gzip':
      if (await gzipHoldsTar(archivePath)) return { label: 'tar.gz', member: await extractTarTable(archivePath, true, directory, limit) };
      return { label: 'gzip', member: ok(await extractGzipMember(archivePath, fileName, directory, limit)) };
  }
}

function extractionFailure(kind: ArchiveKind, archiveBytes: number, cause: unknown): TableError {
  if (cause instanceof ExtractionCapExceeded) {
    return tableError(
      'TABLE_ARCHIVE_TOO_LARGE',
      `The archive expands beyond ${cause.limit} bytes (the limit for a ${archiveBytes}-byte archive); it looks like a zip bomb.`,
    );
  }
  const reason = (cause instanceof Error ? cause.message : String(cause)).replace(/\.+$/, '');
  return tableError('TABLE_ARCHIVE_INVALID', `The ${kind} archive is corrupt or truncated: ${reason}.`);
}

/**
 * Reads the one table inside a zip, tar, tar.gz or .gz: the member is streamed to a private
 * temporary directory under a size cap, read like any upload, and removed afterwards.
 */
export async function readArchiveTable(
  filePath: string,
  kind: ArchiveKind,
  window: RowWindow,
  context: ReadContext,
  readMember: MemberReader,
): Promise<Result<TableSlice, TableError>> {
  const archiveBytes = (await stat(filePath)).size;
  const limit = extractionLimit(archiveBytes, context.maxExtractedBytes);
  const directory = await mkdtemp(path.join(tmpdir(), 'pz-tables-'));
  try {
    let extraction: Extraction;
    try {
      extraction = await extract(kind, filePath, context.fileName, directory, limit);
    } catch (cause) {
      return err(extractionFailure(kind, archiveBytes, cause));
    }
    if (!extraction.member.ok) return extraction.member;
    const { memberName, filePath: memberPath } = extraction.member.value;
    const slice = await readMember(memberPath, window, { ...context, fileName: baseName(memberName) });
    if (!slice.ok) {
      return err({ ...slice.error, message: `Archive member ${memberName}: ${slice.error.message}` });
    }
    // Registry keeps the member, so previews read it without extracting the archive again.
    await context.onArchiveMember?.({ memberName, filePath: memberPath, archiveFormat: extraction.label });
    return ok({ ...slice.value, details: { ...slice.value.details, archive_member: memberName, archive_format: extraction.label } });
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
