import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { StoreLayout } from './content-address';
import { isNotFound } from './durable-fs';
import { walkStoredFiles } from './list-blobs';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface SweepOptions {
  /** Whether some event names this blob; may query a read model. */
  readonly isReferenced: (sha256: string) => boolean | Promise<boolean>;
  /** Report what would be removed without removing anything. */
  readonly dryRun?: boolean;
  /** Temp files untouched for this long belong to writes that died. Default one day. */
  readonly tempOlderThanMs?: number;
  /**
   * Unreferenced blobs younger than this are kept. A blob is written before the event that names
   * it is appended, so a fresh unreferenced blob is usually one whose event is on its way.
   * Default one day; writing the same content again restarts the clock.
   */
  readonly blobOlderThanMs?: number;
}

export interface SweptBlob {
  readonly sha256: string;
  readonly size: number;
}

export interface SweepReport {
  /** Removed, or with `dryRun` the ones that would be. */
  readonly unreferenced: readonly SweptBlob[];
  readonly staleTempFiles: readonly string[];
  /** Records whose blob is gone (a crash between the two steps of a write or a sweep). */
  readonly orphanedRecords: readonly string[];
}

export async function sweepBlobs(layout: StoreLayout, options: SweepOptions): Promise<SweepReport> {
  const { isReferenced, dryRun = false, tempOlderThanMs = DAY_MS, blobOlderThanMs = DAY_MS } = options;
  const remove = async (file: string): Promise<void> => {
    if (!dryRun) await rm(file, { force: true });
  };
  const unreferenced: SweptBlob[] = [];
  const orphanedRecords: string[] = [];

  for await (const file of walkStoredFiles(layout)) {
    const address = layout.addressOf(file.sha256);
    if (file.kind === 'record') {
      const record = await ageAndSize(address.recordPath);
      if (record === null || record.ageMs < tempOlderThanMs) continue;
      if ((await ageAndSize(address.dataPath)) !== null) continue;
      await remove(address.recordPath);
      orphanedRecords.push(file.sha256);
      continue;
    }
    if (!(await isOldEnough(address.dataPath, blobOlderThanMs))) continue;
    if (await isReferenced(file.sha256)) continue;
    // Looked at again just before removal: a write of the same content while `isReferenced` ran
    // has refreshed the mtime and is about to name this blob in an event.
    const blob = await ageAndSize(address.dataPath);
    if (blob === null || blob.ageMs < blobOlderThanMs) continue;
    await remove(address.dataPath);
    await remove(address.recordPath);
    unreferenced.push({ sha256: file.sha256, size: blob.size });
  }

  const staleTempFiles: string[] = [];
  for (const name of await readdir(layout.tempDirectory)) {
    const temp = await ageAndSize(path.join(layout.tempDirectory, name));
    if (temp === null || temp.ageMs < tempOlderThanMs) continue;
    await remove(path.join(layout.tempDirectory, name));
    staleTempFiles.push(name);
  }
  return { unreferenced, staleTempFiles, orphanedRecords };
}

async function isOldEnough(file: string, minimumAgeMs: number): Promise<boolean> {
  const found = await ageAndSize(file);
  return found !== null && found.ageMs >= minimumAgeMs;
}

async function ageAndSize(file: string): Promise<{ ageMs: number; size: number } | null> {
  try {
    const { mtimeMs, size } = await stat(file);
    // File times can run a fraction of a millisecond ahead of Date.now(), which is truncated.
    return { ageMs: Math.max(0, Date.now() - mtimeMs), size };
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
