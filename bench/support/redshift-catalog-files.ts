import { parquetWriteFile } from 'hyparquet-writer';
import { Random } from './random';

/**
 * Two synthetic reference redshift catalogs for the combine benchmark, written as Parquet with
 * different column names (as real surveys have): a VVDS-like one (two-digit ZFLAGS, decided by
 * condition rules) and a 2dFLenS-like one (qual 3/4/6, a value map). Both cover the same patch
 * of sky across RA 0/360; `overlap` of the second's rows are re-observations of objects of the
 * first, at most 0.3″ away, sometimes with a redshift that differs by more than delta_z_threshold.
 */
export interface CatalogPair {
  readonly first: string;
  readonly second: string;
}

const ARCSEC = 1 / 3600;
const RA_FROM = 350;
const RA_SPAN = 20;
const DEC_FROM = -35;
const DEC_SPAN = 10;
const VVDS_FLAGS: readonly (readonly [number, number])[] = [[0, 10], [1, 19], [2, 25], [3, 20], [4, 17], [9, 3], [12, 1], [14, 1], [22, 1], [24, 1], [29, 2]];
const TWODF_FLAGS: readonly (readonly [number, number])[] = [[3, 24], [4, 66], [6, 10]];

const wrap = (ra: number): number => ((ra % 360) + 360) % 360;

export function writeCatalogPair(directory: string, rows: number, overlap: number, seed: number): CatalogPair {
  const random = new Random(seed);
  const ra = new Float64Array(rows);
  const dec = new Float64Array(rows);
  const z = new Float64Array(rows);
  const flags = new Int32Array(rows);
  const num = new BigInt64Array(rows);
  for (let i = 0; i < rows; i++) {
    ra[i] = wrap(RA_FROM + random.next() * RA_SPAN);
    dec[i] = DEC_FROM + random.next() * DEC_SPAN;
    z[i] = Math.round(random.next() * 15000) / 10000;
    flags[i] = random.weighted(VVDS_FLAGS);
    num[i] = 100_000_000n + BigInt(i);
  }
  const first = `${directory}/vvds-like.parquet`;
  parquetWriteFile({
    filename: first,
    columnData: [
      { name: 'NUM', data: num, type: 'INT64', nullable: false },
      { name: 'ALPHA', data: ra, type: 'DOUBLE', nullable: false },
      { name: 'DELTA', data: dec, type: 'DOUBLE', nullable: false },
      { name: 'Z', data: z, type: 'DOUBLE', nullable: false },
      { name: 'ZFLAGS', data: flags, type: 'INT32', nullable: false },
      { name: 'survey_name', data: new Array<string>(rows).fill('VVDS'), type: 'STRING', nullable: false },
    ],
    rowGroupSize: 100_000,
  });

  const ra2 = new Float64Array(rows);
  const dec2 = new Float64Array(rows);
  const z2 = new Float64Array(rows);
  const zErr = new Float64Array(rows);
  const qual = new Int32Array(rows);
  const ids = new Array<string>(rows);
  const shared = Math.round(rows * overlap);
  for (let i = 0; i < rows; i++) {
    if (i < shared) {
      // A re-observation of object i * (rows / shared) of the first catalog, up to 0.3″ away.
      const of = Math.floor((i * rows) / shared);
      const separation = random.next() * 0.3 * ARCSEC;
      const angle = random.next() * 2 * Math.PI;
      dec2[i] = (dec[of] ?? 0) + separation * Math.cos(angle);
      ra2[i] = wrap((ra[of] ?? 0) + (separation * Math.sin(angle)) / Math.cos(((dec[of] ?? 0) * Math.PI) / 180));
      z2[i] = (z[of] ?? 0) + (random.chance(0.8) ? 0 : random.next() * 0.01);
    } else {
      ra2[i] = wrap(RA_FROM + random.next() * RA_SPAN);
      dec2[i] = DEC_FROM + random.next() * DEC_SPAN;
      z2[i] = Math.round(random.next() * 15000) / 10000;
    }
    zErr[i] = 0.0001 + random.next() * 0.002;
    qual[i] = random.weighted(TWODF_FLAGS);
    ids[i] = `2DF-${i.toString().padStart(8, '0')}`;
  }
  const second = `${directory}/2dflens-like.parquet`;
  parquetWriteFile({
    filename: second,
    columnData: [
      { name: 'unique_id', data: ids, type: 'STRING', nullable: false },
      { name: 'RA', data: ra2, type: 'DOUBLE', nullable: false },
      { name: 'Dec', data: dec2, type: 'DOUBLE', nullable: false },
      { name: 'z', data: z2, type: 'DOUBLE', nullable: false },
      { name: 'z_err', data: zErr, type: 'DOUBLE', nullable: false },
      { name: 'qual', data: qual, type: 'INT32', nullable: false },
      { name: 'survey_name', data: new Array<string>(rows).fill('2DFLENS'), type: 'STRING', nullable: false },
    ],
    rowGroupSize: 100_000,
  });
  return { first, second };
}
