import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureTableReaders, DEFAULT_TABLE_READER_LIMITS } from '../reader-limits';
import { readContext } from '../test-support';
import { readHdf5Table } from './hdf5-table';
import { leaksCanary, writeHostileHdf5, type HostileHdf5Files, type HostileHdf5Name } from './hostile-hdf5-files';

let files: HostileHdf5Files;
beforeAll(async () => {
  files = await writeHostileHdf5();
}, 120_000);
afterAll(async () => {
  await files.remove();
});

const read = (name: HostileHdf5Name, limit = 1000) => readHdf5Table(files.path(name), { offset: 0, limit }, readContext(name));

describe('HDF5 files that point outside themselves', () => {
  it.each([
    ['efl.h5', /external storage|another file/],
    ['efl-nested.h5', /another file/],
    ["extlink.h5", /another file/],
    ['vds.h5', /virtual dataset/],
  ] as const)('%s is refused with TABLE_EXTERNAL_REFERENCE and the canary never appears', async (name, message) => {
    const result = await read(name);
    expect(leaksCanary(result, files.canary)).toBe(false);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('TABLE_EXTERNAL_REFERENCE');
    expect(result.error.message).toMatch(message);
  }, 60_000);
});

describe('HDF5 decompression bombs', () => {
  it('refuses a 161 KB file holding one 80 MB gzip chunk before decompressing it', async () => {
    const result = await read('bigchunk.h5', 10);
    expect(!result.ok && result.error.code).toBe('TABLE_LIMIT_EXCEEDED');
    expect(!result.ok && result.error.message).toMatch(/chunks of 80000000 bytes/);
  }, 60_000);

  it('under a raised chunk limit, the WebAssembly memory cap still stops it', async () => {
    configureTableReaders({ hdf5MaxChunkBytes: 1024 ** 3, hdf5MemoryMb: 96 });
    try {
      const result = await read('bigchunk.h5', 10);
      expect(!result.ok && result.error.code).toBe('TABLE_LIMIT_EXCEEDED');
      expect(!result.ok && result.error.message).toMatch(/96 MB of memory/);
    } finally {
      configureTableReaders(DEFAULT_TABLE_READER_LIMITS);
    }
  }, 60_000);
});
