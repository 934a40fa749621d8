import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFileRangeReader } from './file-range-reader';
import { createReadMeter } from './types';

describe('FileRangeReader', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pz-range-'));
    file = path.join(dir, 'bytes.bin');
    await writeFile(file, Uint8Array.from({ length: 1000 }, (_, i) => i % 256));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads exact ranges and counts them on the meter', async () => {
    const meter = createReadMeter();
    await withFileRangeReader(file, meter, async (reader) => {
      expect(reader.size).toBe(1000);
      expect(Array.from(await reader.read(250, 4))).toEqual([250, 251, 252, 253]);
      expect((await reader.read(990, 100)).length).toBe(10);
      expect((await reader.read(2000, 10)).length).toBe(0);
    });
    expect(meter).toEqual({ bytesRead: 14, reads: 3 });
  });
});
