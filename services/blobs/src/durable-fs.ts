import { randomUUID } from 'node:crypto';
import { link, mkdir, open, rename, rm, utimes } from 'node:fs/promises';
import path from 'node:path';

/**
 * File-system steps whose effect must survive a crash. A rename or link is only durable once the
 * directory holding the new name is fsynced; a new directory, once its parent is.
 */

export function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

export const isNotFound = (error: unknown): boolean => errorCode(error) === 'ENOENT';

export async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows, a few network file systems) cannot fsync a directory; there the
    // rename is as durable as the platform allows.
    if (errorCode(error) !== 'EINVAL' && errorCode(error) !== 'EISDIR') throw error;
  } finally {
    await handle.close();
  }
}

/** Creates `directory` and any missing parents, and makes every new name durable. */
export async function ensureDirectory(directory: string): Promise<void> {
  const firstCreated = await mkdir(directory, { recursive: true });
  if (firstCreated === undefined) return;
  const created = path.relative(path.dirname(firstCreated), directory).split(path.sep);
  let parent = path.dirname(firstCreated);
  for (const name of created) {
    await fsyncDirectory(parent);
    parent = path.join(parent, name);
  }
}

/** Writes a small file so that readers see either the old content or all of the new one. */
export async function writeFileAtomically(target: string, content: string, tempDirectory: string): Promise<void> {
  const temp = path.join(tempDirectory, `${randomUUID()}.record`);
  try {
    const handle = await open(temp, 'wx', 0o444);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await removeIfPresent(temp);
    throw error;
  }
  await fsyncDirectory(path.dirname(target));
}

/**
 * Gives `source` the name `target` unless that name already exists, atomically: of several
 * concurrent callers exactly one gets `true`. Returns false when `target` was already there.
 */
export async function linkIfAbsent(source: string, target: string): Promise<boolean> {
  try {
    await link(source, target);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    if (!LINK_UNSUPPORTED.has(errorCode(error) ?? '')) throw error;
  }
  // Without hard links, rename still publishes atomically; it may replace a copy that a
  // concurrent writer just published, which is harmless because the content is identical.
  if (await touchIfPresent(target)) return false;
  await rename(source, target);
  return true;
}

const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Marks a file as just used, so that a sweep running with a grace period leaves it alone.
 * Returns false when the file does not exist.
 */
export async function touchIfPresent(file: string): Promise<boolean> {
  const now = new Date();
  try {
    await utimes(file, now, now);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

export async function removeIfPresent(file: string): Promise<void> {
  await rm(file, { force: true });
}
