import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureTableReaders, DEFAULT_TABLE_READER_LIMITS } from '@pz/tables';
import { writeHostileHdf5, type HostileHdf5Files } from '@pz/tables/hdf5/hostile-hdf5-files';
import { checkInput, formatOf, fuzzReaders, SEEDS, type Seed } from './fuzz-harness';

// `npm test` runs a short deterministic slice; `npm run fuzz` sets FUZZ_CASES (and FUZZ_SEED)
// for a longer run. Inputs that break a property are saved in tests/fuzz/findings/; once the
// bug is fixed, move them to tests/fuzz/regressions/, which every run reads first.
const CASES = Number(process.env.FUZZ_CASES ?? 4);
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const DECODE_TIMEOUT_MS = 3000;
const MB = 1024 ** 2;
const here = path.dirname(fileURLToPath(import.meta.url));
const regressions = path.join(here, 'regressions');

let hostile: HostileHdf5Files;
beforeAll(async () => {
  // Tighter than production, so the memory bound below is meaningful on a shared machine.
  configureTableReaders({ hdf5MemoryMb: 256, workerHeapMb: 256, maxWindowBytes: 16 * MB, decodeWorkers: 1 });
  hostile = await writeHostileHdf5();
}, 120_000);
afterAll(async () => {
  configureTableReaders(DEFAULT_TABLE_READER_LIMITS);
  await hostile.remove();
});

describe('fuzzing every reader', () => {
  it('answers every recorded regression input with a value or a coded error, in time, without the canary', async () => {
    const files = readdirSync(regressions).filter((name) => !name.startsWith('.') && name !== 'README.md');
    for (const name of files) {
      // Saved as <hash>-<original name>: the original name keeps the format hint.
      const fileName = name.replace(/^[0-9a-f]{16}-/, '');
      const { problem } = await checkInput(path.join(regressions, name), fileName, { decodeTimeoutMs: DECODE_TIMEOUT_MS, canary: hostile.canary });
      expect(problem, name).toBeNull();
    }
  }, 300_000);

  it(`survives ${CASES} mutations of each real, fixture and hostile file (seed ${SEED})`, async () => {
    const generated: Seed[] = (['efl.h5', 'extlink.h5', 'vds.h5', 'late-corrupt.h5'] as const).map((name) => ({ name, path: hostile.path(name) }));
    const seeds = [...SEEDS, ...generated];
    expect(new Set(seeds.map((seed) => formatOf(seed.name)))).toEqual(new Set(['csv', 'parquet', 'fits', 'hdf5', 'zip', 'gzip']));
    const report = await fuzzReaders({
      seeds,
      casesPerSeed: CASES,
      seed: SEED,
      decodeTimeoutMs: DECODE_TIMEOUT_MS,
      maxRssGrowthBytes: 1536 * MB,
      canary: hostile.canary,
    });
    console.log(`fuzz: ${report.cases} cases, slowest ${report.slowestMs} ms, peak RSS growth ${Math.round(report.peakRssGrowthBytes / MB)} MB`);
    expect(report.findings).toEqual([]);
  }, 1_800_000);
});
