import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { decompress } from 'fzstd';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as HealpixModule from '../../web/src/lib/healpix';

type Healpix = typeof HealpixModule;

let healpix: Healpix;

// web/tsconfig.json extends the one `svelte-kit sync` writes (npm test's typecheck does it first).
beforeAll(async () => {
  const web = path.resolve(import.meta.dirname, '../../web');
  if (!existsSync(path.join(web, '.svelte-kit/tsconfig.json'))) execFileSync('npx', ['svelte-kit', 'sync'], { cwd: web, stdio: 'ignore' });
  healpix = await import('../../web/src/lib/healpix');
});

/**
 * The portal's sky map draws HATS partitions with web/src/lib/healpix.ts. Checked against an
 * independent reference: hats-import (healpy/cdshealpix) wrote each row's order-29 nested pixel
 * (`_healpix_29`) into the real ELAIS-S1 catalog; the centre of that pixel, as computed here,
 * must be the row's own position (an order-29 pixel is 0.4 mas wide).
 */
const PARTITION = path.resolve(import.meta.dirname, '../../../shared/data/hats/elaiss1oid_collection/catalog/dataset/Norder=2/Dir=0/Npix=138.parquet');

const separationDeg = (a: { ra: number; dec: number }, b: { ra: number; dec: number }): number => {
  const rad = Math.PI / 180;
  const s = Math.sin(((b.dec - a.dec) * rad) / 2) ** 2 + Math.cos(a.dec * rad) * Math.cos(b.dec * rad) * Math.sin(((b.ra - a.ra) * rad) / 2) ** 2;
  return (2 * Math.asin(Math.sqrt(s))) / rad;
};

describe('HEALPix for the sky map', () => {
  it('puts the centre of each row\'s order-29 pixel (written by hats-import) on the row itself, and the row inside its partition\'s outline', async () => {
    const bytes = readFileSync(PARTITION);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const rows = await parquetReadObjects({ file, compressors: { ZSTD: (input: Uint8Array, outputLength: number) => decompress(input, new Uint8Array(outputLength)) }, columns: ['_healpix_29', 'RAdeg', 'DEdeg'] });
    expect(rows.length).toBe(478);
    let worst = 0;
    for (const row of rows) {
      const center = healpix.pixelCenter(29, BigInt(row._healpix_29 as bigint));
      worst = Math.max(worst, separationDeg(center, { ra: Number(row.RAdeg), dec: Number(row.DEdeg) }));
      expect(BigInt(row._healpix_29 as bigint) >> 54n).toBe(138n);
    }
    expect(worst * 3600 * 1000).toBeLessThan(1); // milliarcseconds
    const outline = healpix.pixelOutline(2, 138, 16);
    const ras = outline.map((p) => p.ra);
    const decs = outline.map((p) => p.dec);
    for (const row of rows) {
      expect(Number(row.RAdeg)).toBeGreaterThanOrEqual(Math.min(...ras));
      expect(Number(row.RAdeg)).toBeLessThanOrEqual(Math.max(...ras));
      expect(Number(row.DEdeg)).toBeGreaterThanOrEqual(Math.min(...decs));
      expect(Number(row.DEdeg)).toBeLessThanOrEqual(Math.max(...decs));
    }
  });

  it('knows the twelve base pixels and the pixel areas', () => {
    const centers = Array.from({ length: 12 }, (_, p) => healpix.pixelCenter(0, p));
    const decNorth = (Math.asin(2 / 3) * 180) / Math.PI;
    expect(centers.map((c) => Math.round(c.dec * 1e6) / 1e6)).toEqual([...Array(4).fill(Math.round(decNorth * 1e6) / 1e6), 0, 0, 0, 0, ...Array(4).fill(-Math.round(decNorth * 1e6) / 1e6)]);
    expect(centers.map((c) => Math.round(c.ra))).toEqual([45, 135, 225, 315, 0, 90, 180, 270, 45, 135, 225, 315]);
    expect(healpix.pixelAreaDeg2(0) * 12).toBeCloseTo(41252.96, 1);
    expect(healpix.nestToFace(1, 4 * 5 + 3)).toEqual({ face: 5, x: 1n, y: 1n });
    expect(() => healpix.nestToFace(1, 48)).toThrow(RangeError);
  });
});
