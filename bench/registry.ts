import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, createWriteStream, openSync, readSync, writeSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { inspectTable } from '@pz/tables';
import type { BenchContext, Benchmark } from './support/benchmark';

/**
 * Registry speed on text tables (issue 22): `inspectTable` (what registry runs: format, columns,
 * row count, preview) on generated `id,ra,dec,z,z_err` CSVs, plain and gzip-compressed, against
 * the same-run baselines of `wc -l` (and `gzip -dc | wc -l`) and of a plain read of the file.
 * BENCH_REGISTRY_SIZES_MB (default "300,3000") sizes the plain CSVs; the gzip one is the first size.
 */
const MB = 1_000_000;
const TARGET_RATIO = 0.5;

function sizesFromEnv(): number[] {
  const raw = process.env.BENCH_REGISTRY_SIZES_MB ?? '300,3000';
  const sizes = raw.split(',').map((part) => Number(part.trim()));
  if (sizes.length === 0 || sizes.some((size) => !Number.isFinite(size) || size <= 0)) throw new Error(`BENCH_REGISTRY_SIZES_MB must list positive sizes in MB, got "${raw}"`);
  return sizes;
}

/** Writes about `megabytes` MB of catalog rows; returns the row count. */
function writeCatalogCsv(file: string, megabytes: number): number {
  const fd = openSync(file, 'w');
  let size = writeSync(fd, 'id,ra,dec,z,z_err\n');
  let rows = 0;
  try {
    while (size < megabytes * MB) {
      let chunk = '';
      for (let k = 0; k < 20_000; k++, rows++) {
        chunk += `${rows},${((rows * 7.31) % 360).toFixed(6)},${(Math.sin(rows) * 90).toFixed(6)},${((rows % 3000) / 1000).toFixed(4)},0.0${rows % 97}\n`;
      }
      size += writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  return rows;
}

interface Cost {
  readonly seconds: number;
  readonly cpuSeconds: number;
}

/** A shell command's wall time and its CPU time (user + system, from bash's `time`). */
function shellCost(command: string): Cost & { output: string } {
  const started = performance.now();
  const run = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; time (${command})`], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`${command}: ${run.stderr}`);
  const [user, system] = (run.stderr.trim().split('\n').at(-1) ?? '0 0').split(' ').map(Number);
  return { seconds, cpuSeconds: (user ?? 0) + (system ?? 0), output: run.stdout.trim() };
}

/** Wall and CPU time of `work` in this process, worker threads included. */
async function processCost<T>(work: () => Promise<T>): Promise<Cost & { value: T }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, value };
}

function plainRead(file: string): Promise<number> {
  const buffer = Buffer.allocUnsafe(16 << 20);
  const fd = openSync(file, 'r');
  let total = 0;
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) total += n;
  } finally {
    closeSync(fd);
  }
  return Promise.resolve(total);
}

async function registryOf(file: string, expectedRows: number): Promise<void> {
  const inspected = await inspectTable(file, { fileName: path.basename(file) });
  if (!inspected.ok) throw new Error(`${file}: ${inspected.error.message}`);
  if (inspected.value.nRows !== expectedRows) throw new Error(`${file}: ${inspected.value.nRows} rows, expected ${expectedRows}`);
}

function record(context: BenchContext, label: string, bytes: number, measured: Cost, baselineLabel: string, baseline: Cost, target: boolean): void {
  const mbPerSecond = bytes / MB / measured.seconds;
  context.record({
    label: `${label}: throughput`,
    value: mbPerSecond,
    unit: 'MB/s',
    baseline: { label: baselineLabel, value: bytes / MB / baseline.seconds },
    ...(target ? { target: { on: 'ratio' as const, compare: '>=' as const, threshold: TARGET_RATIO } } : {}),
    note: `${measured.seconds.toFixed(2)} s wall`,
  });
  context.record({ label: `${label}: CPU`, value: measured.cpuSeconds, unit: 'CPU-s', baseline: { label: baselineLabel, value: baseline.cpuSeconds } });
}

export const benchmark: Benchmark = {
  name: 'registry',
  title: 'registry of large CSVs (row count by byte scan) against wc -l and a plain read',
  async run(context) {
    const dir = await mkdtemp(path.join(process.env.BENCH_SCRATCH_DIR ?? os.tmpdir(), 'pz-bench-registry-'));
    try {
      for (const [index, megabytes] of sizesFromEnv().entries()) {
        const file = path.join(dir, `catalog-${megabytes}.csv`);
        const started = performance.now();
        const rows = writeCatalogCsv(file, megabytes);
        const bytes = (await stat(file)).size;
        context.log(`wrote ${(bytes / MB).toFixed(0)} MB, ${rows.toLocaleString('en-US')} rows, in ${((performance.now() - started) / 1000).toFixed(0)} s`);
        // Warm the page cache (and the module, JIT and worker start) the same for every contender.
        await plainRead(file);
        const wc = shellCost(`wc -l < '${file}'`);
        if (Number(wc.output) !== rows + 1) throw new Error(`wc -l counted ${wc.output} lines, expected ${rows + 1}`);
        const read = await processCost(() => plainRead(file));
        const registry = await processCost(() => registryOf(file, rows));
        const label = `${(bytes / MB).toFixed(0)} MB CSV`;
        record(context, `${label} registry`, bytes, registry, 'wc -l', wc, true);
        record(context, `${label} plain read`, bytes, read, 'wc -l', wc, false);

        if (index === 0) {
          const gzipped = `${file}.gz`;
          await pipeline(createReadStream(file), createGzip({ level: 6 }), createWriteStream(gzipped));
          const gzBytes = (await stat(gzipped)).size;
          const zcat = shellCost(`gzip -dc '${gzipped}' | wc -l`);
          const gzRegistry = await processCost(() => registryOf(gzipped, rows));
          context.log(`gzip: ${(gzBytes / MB).toFixed(0)} MB compressed; rates below are of the ${(bytes / MB).toFixed(0)} MB it holds`);
          record(context, `${label}.gz registry`, bytes, gzRegistry, 'gzip -dc | wc -l', zcat, false);
          await rm(gzipped, { force: true });
        }
        await rm(file, { force: true });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
