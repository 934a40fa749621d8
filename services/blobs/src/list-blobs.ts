import type { Dirent } from 'node:fs';
import { opendir } from 'node:fs/promises';
import path from 'node:path';
import { isSha256Hex, RECORD_SUFFIX, type StoreLayout } from './content-address';
import { isNotFound } from './durable-fs';

const FAN_OUT_NAME = /^[0-9a-f]{2}$/;

/** One file in a leaf directory: a blob's content or its record. */
export interface StoredFile {
  readonly sha256: string;
  readonly kind: 'data' | 'record';
}

/**
 * Every blob and record file, read directory by directory so memory stays flat however large the
 * store. Names that are not ours (editor backups, `.DS_Store`) are skipped, never touched.
 */
export async function* walkStoredFiles(layout: StoreLayout): AsyncGenerator<StoredFile> {
  for await (const first of subdirectories(layout.blobsDirectory)) {
    for await (const second of subdirectories(path.join(layout.blobsDirectory, first))) {
      const prefix = first + second;
      for await (const entry of entriesOf(path.join(layout.blobsDirectory, first, second))) {
        if (!entry.isFile()) continue;
        const isRecord = entry.name.endsWith(RECORD_SUFFIX);
        const sha256 = isRecord ? entry.name.slice(0, -RECORD_SUFFIX.length) : entry.name;
        if (isSha256Hex(sha256) && sha256.startsWith(prefix)) yield { sha256, kind: isRecord ? 'record' : 'data' };
      }
    }
  }
}

export async function* listBlobs(layout: StoreLayout): AsyncGenerator<string> {
  for await (const file of walkStoredFiles(layout)) {
    if (file.kind === 'data') yield file.sha256;
  }
}

async function* subdirectories(directory: string): AsyncGenerator<string> {
  for await (const entry of entriesOf(directory)) {
    if (entry.isDirectory() && FAN_OUT_NAME.test(entry.name)) yield entry.name;
  }
}

async function* entriesOf(directory: string): AsyncGenerator<Dirent> {
  let dir;
  try {
    dir = await opendir(directory);
  } catch (error) {
    // A store that was never written to, or pruned by hand, simply has nothing there.
    if (isNotFound(error)) return;
    throw error;
  }
  yield* dir;
}
