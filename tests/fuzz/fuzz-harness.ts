import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspectTable, readTableRows, TABLE_ERROR_CODES, type TableError } from '@pz/tables';
import type { Result } from '@pz/contracts';
import { mutate, seededRandom } from './mutate';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');

/** A file the fuzzer starts from: a real survey file, a fixture, or a generated hostile one. */
export interface Seed {
  readonly name: string;
  readonly path: string;
}

export interface FuzzOptions {
  readonly seeds: readonly Seed[];
  /** Mutations per seed. */
  readonly casesPerSeed: number;
  readonly seed: number;
  /** The readers' decode time limit for the run; an answer must come within it plus a margin. */
  readonly decodeTimeoutMs: number;
  /** Bytes the process may grow by (RSS, workers included) over its size at the start. */
  readonly maxRssGrowthBytes: number;
  /** Text that must never appear in an answer (the content of a file outside every blob). */
  readonly canary: string | null;
}

export interface Finding {
  readonly seed: string;
  readonly mutation: string;
  readonly problem: string;
  /** Where the input was saved (tests/fuzz/findings/, to be promoted to regressions/). */
  readonly savedAs: string;
}

export interface FuzzReport {
  readonly cases: number;
  readonly findings: Finding[];
  readonly slowestMs: number;
  readonly peakRssGrowthBytes: number;
}

export const fixture = (name: string): string => path.join(repoRoot, 'services/tables/fixtures', name);
export const sharedData = (relative: string): string => path.join(repoRoot, '..', 'shared', 'data', relative);

export function formatOf(name: string): string {
  if (/\.(parquet|parq)$/i.test(name)) return 'parquet';
  if (/\.(fits|fit)$/i.test(name)) return 'fits';
  if (/\.(h5|hdf5)$/i.test(name)) return 'hdf5';
  if (/\.zip$/i.test(name)) return 'zip';
  if (/\.(gz|tgz)$/i.test(name)) return 'gzip';
  if (/\.tar$/i.test(name)) return 'tar';
  return 'csv';
}

const KNOWN_CODES = new Set<string>(TABLE_ERROR_CODES);

/** What must hold of one reader answer, whatever the bytes: a value or a coded error, never a throw. */
function answerProblem(result: Result<unknown, TableError>, canary: string | null): string | null {
  if (!result.ok && !KNOWN_CODES.has(result.error.code)) return `unknown error code ${String(result.error.code)}`;
  if (!result.ok && typeof result.error.message !== 'string') return 'error without a message';
  let text: string;
  try {
    text = JSON.stringify(result);
  } catch (cause) {
    return `answer is not JSON-serialisable: ${String(cause)}`;
  }
  if (canary !== null && text.includes(canary)) return 'the canary (a file outside the blob) appears in the answer';
  return null;
}

async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | 'deadline'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function save(bytes: Uint8Array, seed: Seed): string {
  const dir = path.join(here, 'findings');
  mkdirSync(dir, { recursive: true });
  const name = `${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}-${seed.name}`;
  writeFileSync(path.join(dir, name), bytes);
  return path.join('tests/fuzz/findings', name);
}

/** Reads one input the two ways the API does (registry's inspection, a later page) and checks each answer. */
export async function checkInput(file: string, fileName: string, options: Pick<FuzzOptions, 'decodeTimeoutMs' | 'canary'>): Promise<{ problem: string | null; ms: number }> {
  const started = Date.now();
  // Two reads, each within its decode limit, plus a worker restart after a limit was hit
  // (libhdf5 takes seconds to load on a busy machine; its clock starts once loaded).
  const limitMs = options.decodeTimeoutMs * 2 + 20_000;
  const reads: [string, () => Promise<Result<unknown, TableError>>][] = [
    ['inspectTable', () => inspectTable(file, { fileName, decodeTimeoutMs: options.decodeTimeoutMs })],
    ['readTableRows page 3', () => readTableRows(file, { fileName, offset: 200, limit: 100, decodeTimeoutMs: options.decodeTimeoutMs })],
  ];
  for (const [label, read] of reads) {
    let answer: Result<unknown, TableError> | 'deadline';
    try {
      answer = await withDeadline(read(), limitMs);
    } catch (cause) {
      return { problem: `${label} threw: ${cause instanceof Error ? cause.stack ?? cause.message : String(cause)}`, ms: Date.now() - started };
    }
    if (answer === 'deadline') return { problem: `${label} gave no answer within ${limitMs} ms`, ms: Date.now() - started };
    const problem = answerProblem(answer, options.canary);
    if (problem) return { problem: `${label}: ${problem}`, ms: Date.now() - started };
  }
  return { problem: null, ms: Date.now() - started };
}

/**
 * Mutates every seed `casesPerSeed` times (deterministically for a given `seed`) and reads each
 * mutant as registry and read_data would, checking: no throw, an answer within the time limit,
 * the process within its memory bound, no canary in any answer.
 */
export async function fuzzReaders(options: FuzzOptions): Promise<FuzzReport> {
  const random = seededRandom(options.seed);
  const scratch = await mkdtemp(path.join(tmpdir(), 'pz-fuzz-'));
  // Start the workers on pristine files first: the first read of a kind pays their start.
  for (const seed of options.seeds) await checkInput(seed.path, seed.name, options);
  const baseline = process.memoryUsage().rss;
  const findings: Finding[] = [];
  let cases = 0;
  let slowestMs = 0;
  let peak = 0;
  try {
    for (const seed of options.seeds) {
      const original = new Uint8Array(readFileSync(seed.path));
      for (let i = 0; i < options.casesPerSeed; i++) {
        const mutation = mutate(original, formatOf(seed.name), random);
        const file = path.join(scratch, `${i}-${seed.name}`);
        await writeFile(file, mutation.bytes);
        const { problem, ms } = await checkInput(file, seed.name, options);
        await rm(file, { force: true });
        cases += 1;
        if (process.env.FUZZ_VERBOSE) console.log(`${ms} ms ${seed.name} ${mutation.name} ${problem ?? ''}`);
        slowestMs = Math.max(slowestMs, ms);
        const growth = process.memoryUsage().rss - baseline;
        peak = Math.max(peak, growth);
        const memoryProblem = growth > options.maxRssGrowthBytes ? `the process grew by ${Math.round(growth / 1e6)} MB` : null;
        const found = problem ?? memoryProblem;
        if (found) findings.push({ seed: seed.name, mutation: mutation.name, problem: found, savedAs: save(mutation.bytes, seed) });
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return { cases, findings, slowestMs, peakRssGrowthBytes: peak };
}

/** Real files and fixtures of every format the readers take; small, so a case costs milliseconds. */
export const SEEDS: readonly Seed[] = [
  { name: 'upload_example.csv', path: sharedData('pzserver-tutorial/upload_example.csv') },
  { name: 'ozdes_dr2_random_sample.parquet', path: sharedData('redshift-catalogs/ozdes_dr2_random_sample.parquet') },
  { name: 'Npix=138.parquet', path: sharedData('hats/elaiss1oid_collection/catalog/dataset/Norder=2/Dir=0/Npix=138.parquet') },
  { name: 'point_map.fits', path: sharedData('hats/elaiss1oid_collection/catalog/point_map.fits') },
  { name: 'small.parquet', path: fixture('small.parquet') },
  { name: 'bintable.fits', path: fixture('bintable.fits') },
  { name: 'ascii-table.fits', path: fixture('ascii-table.fits') },
  { name: 'compound.h5', path: fixture('compound.h5') },
  { name: 'columns-group.h5', path: fixture('columns-group.h5') },
  { name: 'pandas-table.h5', path: fixture('pandas-table.h5') },
  { name: 'quoted.csv', path: fixture('quoted.csv') },
  { name: 'tab.tsv', path: fixture('tab.tsv') },
  { name: 'table.zip', path: fixture('table.zip') },
  { name: 'table.tar.gz', path: fixture('table.tar.gz') },
  { name: 'catalog.csv.gz', path: fixture('catalog.csv.gz') },
];
