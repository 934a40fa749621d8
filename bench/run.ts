import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatFigure, summaryTable, type Benchmark, type RecordedFigure } from './support/benchmark';
import { describeMachine } from './support/machine';
import { dropAllScratch } from './support/scratch-database';
import { loadBenchSettings } from './support/settings';

/**
 * `npm run bench` runs every benchmark; `npm run bench -- append catch-up` runs those named.
 * A benchmark is a module `bench/<name>.ts` exporting `benchmark` (see support/benchmark.ts).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}

process.on('SIGINT', () => {
  console.error('\ninterrupted: dropping scratch databases');
  void dropAllScratch().finally(() => process.exit(130));
});

const settings = loadBenchSettings();
const figures: RecordedFigure[] = [];
const failures: string[] = [];
console.log(describeMachine().join('\n'));

for (const name of requested.length > 0 ? requested : available) {
  const module = (await import(pathToFileURL(path.join(here, `${name}.ts`)).href)) as { benchmark?: Benchmark };
  const benchmark = module.benchmark;
  if (!benchmark || benchmark.name !== name || typeof benchmark.run !== 'function') {
    failures.push(`${name}: bench/${name}.ts must export \`benchmark\` with name "${name}"`);
    continue;
  }
  console.log(`\n== ${name}: ${benchmark.title}`);
  const started = performance.now();
  try {
    await benchmark.run({
      settings,
      record(figure) {
        figures.push({ ...figure, benchmark: name });
        console.log(`${name} ▸ ${formatFigure(figure)}`);
      },
      log: (message) => console.log(`${name}: ${message}`),
    });
  } catch (error) {
    failures.push(`${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    console.error(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  console.log(`== ${name} took ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

console.log(`\n${summaryTable(figures)}`);
for (const failure of failures) console.error(`\nFAILED ${failure}`);
process.exit(failures.length > 0 ? 1 : 0);
