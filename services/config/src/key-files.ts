import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * Files that hold keys the server makes for itself (the HMAC secret, the ledger's signing key)
 * and small records kept beside them. Each appears whole or not at all: the content is written
 * to a temporary name and fsynced before it gets its real name, so a crash cannot leave a
 * truncated key.
 */

function writeTemporary(directory: string, name: string, content: string, mode: number): string {
  mkdirSync(directory, { recursive: true });
  const temporary = path.join(directory, `.${name}-${randomUUID()}`);
  const descriptor = openSync(temporary, 'wx', mode);
  try {
    writeSync(descriptor, content);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  return temporary;
}

/**
 * Creates `<directory>/<name>` with `content()` unless it exists, and never replaces it: of
 * several processes starting together, the first one to link its file wins and the others keep
 * that one (they read the file afterwards). Returns whether this call created it.
 */
export function createFileOnce(directory: string, name: string, content: () => string, mode = 0o600): boolean {
  const temporary = writeTemporary(directory, name, content(), mode);
  try {
    linkSync(temporary, path.join(directory, name));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    unlinkSync(temporary);
  }
}

/** Replaces `file` with `content`: readers see the old file or all of the new one. */
export function replaceFileAtomically(file: string, content: string, mode = 0o644): void {
  const temporary = writeTemporary(path.dirname(file), path.basename(file), content, mode);
  renameSync(temporary, file);
}
