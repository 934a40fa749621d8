import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

// In a fresh process: the heap after importing the package, then after the first HDF5 use.
const PROBE = `
await import('@pz/tables');
globalThis.gc();
const before = process.memoryUsage().heapUsed;
const { loadH5wasm } = await import('@pz/tables/hdf5/h5wasm-module');
await loadH5wasm();
globalThis.gc();
console.log(JSON.stringify({ before, after: process.memoryUsage().heapUsed }));
`;

describe('loadH5wasm', () => {
  it('loads libhdf5 only when first asked: importing @pz/tables leaves its heap out (HDF5 workers load it, not the server thread)', async () => {
    const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', PROBE], { timeout: 120_000 });
    const { before, after } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { before: number; after: number };
    const MB = 1_000_000;
    expect(before / MB).toBeLessThan(40);
    expect((after - before) / MB).toBeGreaterThan(5);
  }, 180_000);
});
