import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { createReadMeter, inspectTable } from '@pz/tables';
import type { BenchContext, Benchmark } from './support/benchmark';
import { writeFitsCatalogue, writeParquetCatalogue, type WrittenTable } from './support/catalogue-table-files';
import { loadFileBenchSettings } from './support/file-bench-settings';
import { formatMs, percentile } from './support/stats';

const TARGET_RATIO = 2;
const MB = 1_000_000;
const PREVIEW_ROWS = 100;

type WriteTable = (filePath: string, bytes: number, seed: number) => Promise<WrittenTable>;

interface PreviewCost {
  readonly ms: number;
  readonly bytesRead: number;
}

/** One `inspectTable` call, what the registry runs on a main file: format, columns, row count, first 100 rows. */
async function previewOnce(filePath: string, expectedRows: number): Promise<PreviewCost> {
  const meter = createReadMeter();
  const started = performance.now();
  const inspected = await inspectTable(filePath, { fileName: path.basename(filePath), previewRows: PREVIEW_ROWS, readMeter: meter });
  const ms = performance.now() - started;
  if (!inspected.ok) throw new Error(`${filePath}: ${inspected.error.message}`);
  if (inspected.value.nRows !== expectedRows || inspected.value.previewRows.length !== PREVIEW_ROWS) {
    throw new Error(`${filePath}: ${inspected.value.nRows} rows and ${inspected.value.previewRows.length} preview rows, expected ${expectedRows} and ${PREVIEW_ROWS}`);
  }
  return { ms, bytesRead: meter.bytesRead };
}

const median = (values: readonly number[]) => percentile(Float64Array.from(values).sort(), 50);

async function measureFormat(context: BenchContext, dir: string, format: string, extension: string, write: WriteTable): Promise<void> {
  const settings = loadFileBenchSettings();
  const files = { small: path.join(dir, `small.${extension}`), large: path.join(dir, `large.${extension}`) };
  try {
    const started = performance.now();
    const small = await write(files.small, settings.previewSmallBytes, context.settings.seed);
    const large = await write(files.large, settings.previewLargeBytes, context.settings.seed);
    context.log(`${format}: wrote ${(small.bytes / MB).toFixed(1)} MB (${small.rows.toLocaleString('en-US')} rows) and ${(large.bytes / MB).toFixed(0)} MB (${large.rows.toLocaleString('en-US')} rows) in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    // One untimed preview of each first: module loading, JIT, and the pages it touches into the page cache.
    await previewOnce(files.small, small.rows);
    await previewOnce(files.large, large.rows);
    const costs = { small: [] as PreviewCost[], large: [] as PreviewCost[] };
    for (let run = 0; run < settings.runs; run++) {
      costs.small.push(await previewOnce(files.small, small.rows));
      costs.large.push(await previewOnce(files.large, large.rows));
    }
    const ms = { small: median(costs.small.map((c) => c.ms)), large: median(costs.large.map((c) => c.ms)) };
    const read = (c: readonly PreviewCost[]) => `${((c[0]?.bytesRead ?? 0) / 1024).toFixed(0)} KiB`;
    context.log(`${format}: small ${costs.small.map((c) => formatMs(c.ms)).join(', ')}; large ${costs.large.map((c) => formatMs(c.ms)).join(', ')}`);
    context.record({
      label: `${format} preview (columns, row count, first ${PREVIEW_ROWS} rows) of ${(large.bytes / MB).toFixed(0)} MB`,
      value: ms.large,
      unit: 'ms',
      baseline: { label: `the same of ${(small.bytes / MB).toFixed(1)} MB`, value: ms.small },
      target: { on: 'ratio', compare: '<', threshold: TARGET_RATIO },
      note: `median of ${settings.runs}; read from disk ${read(costs.large)} against ${read(costs.small)}`,
    });
  } finally {
    await Promise.all(Object.values(files).map((f) => rm(f, { force: true })));
  }
}

/**
 * Table preview, as the registry runs it on a main file (`inspectTable` from @pz/tables: format
 * detection, columns, row count, first 100 rows; `read_data`'s first page takes the same path),
 * on a ~10 MB and a ~1 GB file (BENCH_PREVIEW_SMALL_BYTES, BENCH_PREVIEW_LARGE_BYTES) of the same
 * seeded catalogue (id, ra, dec, z, mag, flag), in Parquet (Snappy, row groups of a million rows,
 * no page index) and FITS (one BINTABLE). In this process, not over HTTP; files freshly written,
 * so in the page cache; one untimed preview of each, then BENCH_FILE_RUNS timed ones alternating
 * small and large, medians compared.
 */
export const benchmark: Benchmark = {
  name: 'table-preview',
  title: 'table preview of a 10 MB vs a 1 GB table, Parquet and FITS',
  async run(context) {
    const dir = await mkdtemp(path.join(loadFileBenchSettings().scratchDir, 'pz-bench-preview-'));
    const removeOnExit = () => rmSync(dir, { recursive: true, force: true });
    process.once('exit', removeOnExit);
    try {
      await measureFormat(context, dir, 'Parquet', 'parquet', writeParquetCatalogue);
      await measureFormat(context, dir, 'FITS', 'fits', writeFitsCatalogue);
    } finally {
      process.off('exit', removeOnExit);
      await rm(dir, { recursive: true, force: true });
    }
  },
};
