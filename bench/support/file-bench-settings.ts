import os from 'node:os';

/**
 * The knobs of the file benchmarks (upload, zip-download, table-preview), read from the
 * environment here and nowhere else. Kept beside support/settings.ts rather than in it so the
 * file benchmarks can be sized on their own; the defaults are the sizes of the benchmark issue.
 */
export interface FileBenchSettings {
  /** Bytes of the file uploaded through the API (BENCH_UPLOAD_BYTES). */
  readonly uploadBytes: number;
  /** Bytes of the main file of the product downloaded as a zip (BENCH_DOWNLOAD_BYTES). */
  readonly downloadBytes: number;
  /** Approximate bytes of the small and the large table of the preview benchmark. */
  readonly previewSmallBytes: number;
  readonly previewLargeBytes: number;
  /** Timed runs per measurement (the median is reported). */
  readonly runs: number;
  /** Where the large files are written; the blob store of the server is created there too. */
  readonly scratchDir: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

function wholePositive(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return value;
}

export function loadFileBenchSettings(env: Env = process.env): FileBenchSettings {
  return {
    uploadBytes: wholePositive(env, 'BENCH_UPLOAD_BYTES', GIB),
    downloadBytes: wholePositive(env, 'BENCH_DOWNLOAD_BYTES', GIB),
    previewSmallBytes: wholePositive(env, 'BENCH_PREVIEW_SMALL_BYTES', 10 * MIB),
    previewLargeBytes: wholePositive(env, 'BENCH_PREVIEW_LARGE_BYTES', GIB),
    runs: wholePositive(env, 'BENCH_FILE_RUNS', 5),
    scratchDir: env.BENCH_SCRATCH_DIR?.trim() || os.tmpdir(),
  };
}
