import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectTable } from '@pz/tables/inspect-table';
import { readTableRows } from '@pz/tables/read-table-rows';
import { parquetToFits } from './parquet-to-fits';
import { parquetToHdf5 } from './parquet-to-hdf5';

/** Debian's python3 (with python3-astropy and python3-h5py, as CI installs them); not the pyenv one on PATH. */
const PYTHON = '/usr/bin/python3';
const hasModule = (module: string): boolean => spawnSync(PYTHON, ['-c', `import ${module}`]).status === 0;
const python = (script: string, file: string): unknown => JSON.parse(execFileSync(PYTHON, ['-c', script, file], { encoding: 'utf8' }));

const ROWS = 250_003;
const UNITS = new Map([['ra', 'deg'], ['separation_arcsec', 'arcsec']]);

const ASTROPY_READ = `
import sys, json, math
from astropy.table import Table
t = Table.read(sys.argv[1], hdu='CATALOG')
def cell(c, i):
    v = t[c][i]
    if hasattr(t[c], 'mask') and t[c].mask[i]: return None
    if hasattr(v, 'item'): v = v.item()
    if isinstance(v, float) and math.isnan(v): return 'nan'
    if isinstance(v, int) and abs(v) > 2**53: return str(v)
    return v
rows = [0, 1, 2, len(t) - 1]
print(json.dumps({'n': len(t), 'units': {c: str(t[c].unit) for c in t.colnames if t[c].unit is not None},
  'rows': [{c: cell(c, i) for c in t.colnames} for i in rows]}))
`;

const H5PY_READ = `
import sys, json, math
import h5py
f = h5py.File(sys.argv[1], 'r')
def cell(d, i):
    v = d[i]
    if isinstance(v, bytes): return v.decode('utf-8')
    v = v.item()
    if isinstance(v, float) and math.isnan(v): return 'nan'
    if isinstance(v, int) and abs(v) > 2**53: return str(v)
    return v
n = f['id'].shape[0]
rows = [0, 1, 2, n - 1]
print(json.dumps({'n': n, 'names': sorted(f.keys()), 'units': {k: f[k].attrs['units'].decode() if isinstance(f[k].attrs['units'], bytes) else str(f[k].attrs['units']) for k in f if 'units' in f[k].attrs},
  'chunks': max(f[k].chunks[0] * f[k].dtype.itemsize for k in f), 'rows': [{k: cell(f[k], i) for k in f} for i in rows]}))
`;

describe('pipeline outputs as FITS and HDF5, from the Parquet a pipeline wrote', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pz-output-formats-'));
  const parquet = path.join(dir, 'out.parquet');
  beforeAll(() => {
    // Row 1 holds every kind of null; the last row the widest text; several row groups.
    const id = Array.from({ length: ROWS }, (_, i) => (i === ROWS - 1 ? 'last-row-with-the-longest-id' : `obj${i}`));
    parquetWriteFile({
      filename: parquet,
      rowGroupSize: 100_000,
      columnData: [
        { name: 'id', data: id, type: 'STRING' },
        { name: 'big', data: Array.from({ length: ROWS }, (_, i) => 9007199254740993n + BigInt(i)), type: 'INT64' },
        { name: 'ra', data: Float64Array.from({ length: ROWS }, (_, i) => (i * 0.001) % 360), type: 'DOUBLE' },
        { name: 'z', data: Array.from({ length: ROWS }, (_, i) => (i === 1 ? null : i / 1000)), type: 'DOUBLE', nullable: true },
        { name: 'flag', data: Array.from({ length: ROWS }, (_, i) => (i === 1 ? null : i % 5)), type: 'INT32', nullable: true },
        { name: 'count', data: Int32Array.from({ length: ROWS }, (_, i) => i), type: 'INT32' },
        { name: 'survey', data: Array.from({ length: ROWS }, (_, i) => (i === 1 ? null : i === 2 ? 'Zoë' : 'DESI')), type: 'STRING', nullable: true },
        { name: 'good', data: Array.from({ length: ROWS }, (_, i) => i % 2 === 0), type: 'BOOLEAN' },
        { name: 'separation_arcsec', data: Float32Array.from({ length: ROWS }, () => 0.5), type: 'FLOAT' },
      ],
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('FITS', () => {
    const fits = path.join(dir, 'out.fits');
    beforeAll(async () => {
      const written = await parquetToFits(parquet, fits, UNITS);
      if (!written.ok) throw new Error(written.error.message);
      expect(written.value.rows).toBe(ROWS);
    });

    it('is read back by our reader: types, units, nulls', async () => {
      const inspected = await inspectTable(fits, { fileName: 'out.fits', previewRows: 3 });
      if (!inspected.ok) throw new Error(inspected.error.message);
      expect(inspected.value.nRows).toBe(ROWS);
      expect(inspected.value.columns.find((c) => c.name === 'ra')?.unit).toBe('deg');
      const page = await readTableRows(fits, { fileName: 'out.fits', offset: 0, limit: 3 });
      if (!page.ok) throw new Error(page.error.message);
      expect(page.value.rows[1]).toMatchObject({ id: 'obj1', z: null, flag: null, survey: '', good: false, count: 1 });
      expect(page.value.rows[2]).toMatchObject({ survey: 'Zo?', flag: 2, z: 0.002 });
      const last = await readTableRows(fits, { fileName: 'out.fits', offset: ROWS - 1, limit: 1 });
      if (!last.ok) throw new Error(last.error.message);
      expect(last.value.rows[0]).toMatchObject({ id: 'last-row-with-the-longest-id', count: ROWS - 1 });
    });

    it.skipIf(!hasModule('astropy'))('is read by astropy: values, masked nulls, units', () => {
      const table = python(ASTROPY_READ, fits) as { n: number; units: Record<string, string>; rows: Record<string, unknown>[] };
      expect(table.n).toBe(ROWS);
      expect(table.units).toEqual({ ra: 'deg', separation_arcsec: 'arcsec' });
      expect(table.rows[0]).toEqual({ id: 'obj0', big: '9007199254740993', ra: 0, z: 0, flag: 0, count: 0, survey: 'DESI', good: true, separation_arcsec: 0.5 });
      // astropy masks NaN floats and empty strings as well as TNULL integers.
      expect(table.rows[1]).toMatchObject({ z: null, flag: null, survey: null, good: false });
      expect(table.rows[3]).toMatchObject({ id: 'last-row-with-the-longest-id', big: String(9007199254740993n + BigInt(ROWS - 1)), count: ROWS - 1 });
    });
  });

  describe('HDF5', () => {
    const h5 = path.join(dir, 'out.h5');
    beforeAll(async () => {
      const written = await parquetToHdf5(parquet, h5, UNITS);
      if (!written.ok) throw new Error(written.error.message);
      expect(written.value.rows).toBe(ROWS);
    });

    it('is read back by our reader as a group of column datasets', async () => {
      const inspected = await inspectTable(h5, { fileName: 'out.h5', previewRows: 3 });
      if (!inspected.ok) throw new Error(inspected.error.message);
      expect(inspected.value.nRows).toBe(ROWS);
      expect(inspected.value.columns.map((c) => c.name).sort()).toEqual(['big', 'count', 'flag', 'good', 'id', 'ra', 'separation_arcsec', 'survey', 'z']);
      const page = await readTableRows(h5, { fileName: 'out.h5', offset: 0, limit: 3 });
      if (!page.ok) throw new Error(page.error.message);
      expect(page.value.rows[0]).toMatchObject({ id: 'obj0', flag: 0, count: 0, survey: 'DESI', good: 1, separation_arcsec: 0.5 });
      expect(page.value.rows[1]).toMatchObject({ id: 'obj1', z: null, flag: null, survey: '', good: 0 });
      expect(page.value.rows[2]).toMatchObject({ survey: 'Zoë', flag: 2 });
      const last = await readTableRows(h5, { fileName: 'out.h5', offset: ROWS - 1, limit: 1 });
      if (!last.ok) throw new Error(last.error.message);
      expect(last.value.rows[0]).toMatchObject({ id: 'last-row-with-the-longest-id', count: ROWS - 1 });
    });

    it.skipIf(!hasModule('h5py'))('is read by h5py: values, NaN nulls, units, chunks of about 1 MiB', () => {
      const file = python(H5PY_READ, h5) as { n: number; names: string[]; units: Record<string, string>; chunks: number; rows: Record<string, unknown>[] };
      expect(file.n).toBe(ROWS);
      expect(file.units).toEqual({ ra: 'deg', separation_arcsec: 'arcsec' });
      expect(file.chunks).toBeLessThanOrEqual(1 << 20);
      expect(file.rows[0]).toEqual({ id: 'obj0', big: '9007199254740993', ra: 0, z: 0, flag: 0, count: 0, survey: 'DESI', good: 1, separation_arcsec: 0.5 });
      expect(file.rows[1]).toMatchObject({ z: 'nan', flag: 'nan', survey: '' });
      expect(file.rows[2]).toMatchObject({ survey: 'Zoë' });
      expect(file.rows[3]).toMatchObject({ id: 'last-row-with-the-longest-id', big: String(9007199254740993n + BigInt(ROWS - 1)), count: ROWS - 1 });
    });
  });
});
