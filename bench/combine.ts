import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Benchmark } from './support/benchmark';
import type { CombineJob, CombineOutcome } from './support/combine-worker';
import { writeCatalogPair } from './support/redshift-catalog-files';

const ROWS_PER_CATALOG = 1_000_000;
const OVERLAP = 0.2;
const TARGET_SECONDS = 30;
const here = path.dirname(fileURLToPath(import.meta.url));
const RULES_PATH = path.resolve(here, '../../shared/data/redshift-catalogs/flags_translation.yaml');

function runInChild(job: CombineJob): Promise<CombineOutcome> {
  const worker = fork(path.join(here, 'support', 'combine-worker.ts'), [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: 'inherit' });
  return new Promise<CombineOutcome>((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.kill();
      reject(new Error('the combine run did not finish in 10 minutes'));
    }, 600_000);
    worker.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as CombineOutcome);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the combine run exited (${code}) without a result`));
    });
    worker.send(job);
  });
}

/**
 * Combine Redshift Catalogs on two generated 1,000,000-row Parquet catalogs (different column
 * names, 20 % of the second re-observing objects of the first within 0.3″), deduplicating:
 * read + flag homogenisation, crossmatch at 0.5″ and tiebreaking, Parquet output. The run is a
 * child process, timed inside it around the library call; its peak RSS is its VmHWM.
 */
export const benchmark: Benchmark = {
  name: 'combine',
  title: 'combine redshift catalogs: 2 × 1M rows, deduplicate',
  async run(context) {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'bench-combine-'));
    try {
      context.log(`writing two ${ROWS_PER_CATALOG.toLocaleString('en-US')}-row catalogs (seed ${context.settings.seed})...`);
      const generated = performance.now();
      const files = writeCatalogPair(directory, ROWS_PER_CATALOG, OVERLAP, context.settings.seed);
      context.log(`written in ${((performance.now() - generated) / 1000).toFixed(1)} s; combining in a child process...`);
      const loadBefore = os.loadavg()[0] ?? 0;
      const outcome = await runInChild({
        rulesPath: RULES_PATH,
        request: {
          mode: 'deduplicate',
          outputPath: path.join(directory, 'combined.parquet'),
          inputs: [
            { path: files.first, source: 'vvds-like', columns: { id: 'NUM', ra: 'ALPHA', dec: 'DELTA', z: 'Z', z_flag: 'ZFLAGS', survey: 'survey_name' } },
            { path: files.second, source: '2dflens-like', columns: { id: 'unique_id', ra: 'RA', dec: 'Dec', z: 'z', z_flag: 'qual', z_err: 'z_err', survey: 'survey_name' } },
          ],
        },
      });
      if (!outcome.summary) throw new Error(`combine failed: ${outcome.error ?? 'no summary'}`);
      const { summary } = outcome;
      const load = `load average ${loadBefore.toFixed(2)} → ${(os.loadavg()[0] ?? 0).toFixed(2)}`;
      const stages = `read+homogenise ${summary.seconds.prepare.toFixed(1)} s, crossmatch+tiebreak ${summary.seconds.duplicates.toFixed(1)} s, write ${summary.seconds.write.toFixed(1)} s`;
      const duplicates = summary.duplicates;
      context.log(`${summary.rowsIn.toLocaleString('en-US')} rows in, ${summary.rowsOut.toLocaleString('en-US')} out; ${stages}`);
      context.log(`duplicates: ${JSON.stringify(duplicates)}`);
      context.record({
        label: `combine 2 × ${ROWS_PER_CATALOG.toLocaleString('en-US')} rows, deduplicate, elapsed`,
        value: outcome.seconds,
        unit: 's',
        target: { on: 'value', compare: '<', threshold: TARGET_SECONDS },
        note: `${stages}; ${load}`,
      });
      context.record({
        label: 'combine CPU time (user + system, child)',
        value: outcome.cpuSeconds,
        unit: 's',
        note: `elapsed / CPU = ${(outcome.seconds / outcome.cpuSeconds).toFixed(2)} (above 1: waiting for a core on a loaded machine)`,
      });
      context.record({
        label: 'combine throughput (rows in / elapsed)',
        value: summary.rowsIn / outcome.seconds,
        unit: 'rows/s',
        note: `${summary.rowsOut.toLocaleString('en-US')} rows out, ${duplicates?.groups.toLocaleString('en-US') ?? 0} duplicate groups, ${duplicates?.stars.toLocaleString('en-US') ?? 0} stars dropped`,
      });
      context.record({
        label: 'combine peak RSS (child VmHWM)',
        value: outcome.peakRssBytes / 1024 ** 2,
        unit: 'MiB',
        note: `output ${(summary.output.bytes / 1024 ** 2).toFixed(0)} MiB Parquet`,
      });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  },
};
