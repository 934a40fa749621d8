import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAX_EXTRACTED_BYTES } from './read-options';
import type { ReadContext, ReadMeter } from './types';

/** Paths for tests: committed fixtures, and the real data in shared/ beside the repository. */
const sourceDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(sourceDir, '../../..');

export const fixture = (name: string): string => path.join(sourceDir, '..', 'fixtures', name);

export const sharedData = (relative: string): string => path.join(repoRoot, '..', 'shared', 'data', relative);

export const readContext = (fileName: string, meter?: ReadMeter): ReadContext => ({
  fileName,
  meter,
  maxExtractedBytes: DEFAULT_MAX_EXTRACTED_BYTES,
});
