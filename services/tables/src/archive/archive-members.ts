import { err, ok, type Result } from '@pz/contracts';
import { tableError, type TableError } from '../errors';

const TABLE_EXTENSION = /\.(csv|tsv|txt|dat|ascii|tbl|parquet|parq|pq|fits|fit|fts|h5|hdf5|hdf|he5|vot|votable|xml)$/i;

/**
 * `.xml` names VOTables, but also the manifests and metadata sidecars that ride along with a
 * table: an `.xml` member is the archive's table only when no member of another table format is.
 */
export const isSidecarProne = (memberName: string): boolean => /\.xml$/i.test(memberName);

/** macOS resource forks, Finder files and other hidden entries ride along in real archives. */
const isJunk = (memberName: string): boolean => {
  const parts = memberName.split('/').filter((part) => part !== '' && part !== '.' && part !== '..');
  return parts.some((part) => part === '__MACOSX' || part.startsWith('.'));
};

export const isTableMember = (memberName: string): boolean => !memberName.endsWith('/') && !isJunk(memberName) && TABLE_EXTENSION.test(memberName);

/**
 * The local file name a member is extracted to: a fixed stem plus the member's extension
 * (readers use it as a format hint). The member's path is never used, so nothing can be
 * written outside the temporary directory.
 */
export const extractedFileName = (memberName: string): string => {
  const extension = TABLE_EXTENSION.exec(memberName)?.[0].toLowerCase() ?? '';
  return `member${extension}`;
};

export const baseName = (memberName: string): string => memberName.split('/').filter(Boolean).at(-1) ?? memberName;

export function exactlyOneTable(members: readonly string[], archiveLabel: string): Result<string, TableError> {
  const others = members.filter((name) => !isSidecarProne(name));
  const tableMembers = others.length > 0 ? others : members;
  if (tableMembers.length === 1 && tableMembers[0] !== undefined) return ok(tableMembers[0]);
  if (tableMembers.length === 0) {
    return err(
      tableError(
        'TABLE_ARCHIVE_INVALID',
        `The ${archiveLabel} holds no table file (CSV/TXT, Parquet, FITS, HDF5 or VOTable, recognised by extension).`,
      ),
    );
  }
  const listed = tableMembers.slice(0, 5).join(', ') + (tableMembers.length > 5 ? ', ...' : '');
  return err(
    tableError('TABLE_ARCHIVE_INVALID', `The ${archiveLabel} holds ${tableMembers.length} tables (${listed}); it must hold exactly one.`),
  );
}
