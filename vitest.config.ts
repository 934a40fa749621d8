import { defineConfig } from 'vitest/config';

const INCLUDE = ['contracts/**/*.test.ts', 'services/**/*.test.ts', 'projections/**/*.test.ts', 'tests/**/*.test.ts'];
const EXCLUDE = ['**/node_modules/**'];

/**
 * Files that measure time or memory, or kill and time processes: they run after the others,
 * one at a time, so that no other test file shares the two cores with them. Everything else
 * runs two files at a time (vitest's default on 2 cores is one: most files wait on child
 * processes, PostgreSQL or chromium, not on the CPU).
 */
const ALONE = [
  'tests/hostile/responsive-under-hostile-files.test.ts',
  'services/api/src/routes/registry-background.test.ts',
  'projections/src/leadership.test.ts',
  'tests/cluster/**/*.test.ts',
  'tests/crash/**/*.test.ts',
  'services/blobs/src/memory-probe.test.ts',
  'services/tables/src/workers/worker-pool.test.ts',
  'services/tables/src/parquet/parquet-table.test.ts',
  'tests/http-security/descriptions.test.ts',
  'projections/src/catalogue/description-html.test.ts',
];

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'parallel', include: INCLUDE, exclude: [...EXCLUDE, ...ALONE], maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'alone', include: ALONE, exclude: EXCLUDE, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
