import { describe, expect, it } from 'vitest';
import { fixture, readContext } from '../test-support';
import { readHdf5Table } from './hdf5-table';

const read = (name: string, offset = 0, limit = 100) => readHdf5Table(fixture(name), { offset, limit }, readContext(name));

const FIRST_ROW = { id: 1, ra: 278.624177, dec: -14.929442 };

describe('readHdf5Table', () => {
  it('reads a compound dataset written by h5py, bools included', async () => {
    const result = await read('compound.h5', 0, 2);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.details).toEqual({ hdf5_layout: 'compound', hdf5_path: '/catalog/objects' });
    expect(result.value.nRows).toBe(12);
    expect(result.value.columns).toEqual([
      { name: 'id', type: 'int64' },
      { name: 'ra', type: 'float64' },
      { name: 'dec', type: 'float64' },
      { name: 'z', type: 'float32' },
      { name: 'name', type: 'string' },
      { name: 'good', type: 'bool' },
    ]);
    expect(result.value.rows[0]).toMatchObject({ ...FIRST_ROW, name: 'obj000', good: false });
    expect(result.value.rows[1]).toMatchObject({ id: 2, good: true });
  });

  it('reads an astropy table (compound data beside its metadata dataset), with the units, UCD and description of its header', async () => {
    const result = await read('astropy.hdf5', 11, 5);
    expect(result.ok && result.value.details).toEqual({ hdf5_layout: 'compound', hdf5_path: '/data' });
    expect(result.ok && result.value.columns).toEqual([
      { name: 'id', type: 'int64' },
      { name: 'ra', type: 'float64', unit: 'deg', ucd: 'pos.eq.ra;meta.main' },
      { name: 'dec', type: 'float64', unit: 'deg' },
      { name: 'z', type: 'float64', description: 'spectroscopic redshift' },
    ]);
    // A metadata dataset of numbers instead of header lines: the table reads as before.
    const bad = await read('astropy-bad-meta.hdf5', 0, 1);
    expect(bad.ok && [bad.value.columns.map((c) => Object.keys(c).length), bad.value.nRows]).toEqual([[2, 2, 2, 2], 12]);
    expect(result.ok && result.value.rows).toEqual([{ id: 12, ra: expect.any(Number), dec: expect.any(Number), z: expect.any(Number) }]);
  });

  it('reads a group of equal-length column datasets', async () => {
    const result = await read('columns-group.h5', 0, 1);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.details).toEqual({ hdf5_layout: 'columns', hdf5_path: '/photometry' });
    expect(result.value.columns.map((c) => c.name).sort()).toEqual(['dec', 'id', 'mag', 'ra', 'z']);
    expect(result.value.rows[0]).toMatchObject({ ...FIRST_ROW, z: 1.559 });
  });

  it('reads a pandas HDFStore in fixed format, leaving pickled object columns empty', async () => {
    const result = await read('pandas-fixed.h5', 1, 2);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.details).toEqual({ hdf5_layout: 'pandas_fixed', hdf5_path: '/catalog' });
    expect(result.value.columns).toEqual([
      { name: 'id', type: 'int64' },
      { name: 'ra', type: 'float64' },
      { name: 'dec', type: 'float64' },
      { name: 'z', type: 'float64' },
      { name: 'name', type: 'object' },
      { name: 'flag', type: 'int32' },
    ]);
    expect(result.value.rows).toEqual([
      { id: 2, ra: 157.996238, dec: -2.406687, z: 0.3973, name: null, flag: 2 },
      { id: 3, ra: expect.any(Number), dec: expect.any(Number), z: expect.any(Number), name: null, flag: 0 },
    ]);
  });

  it('reads a pandas HDFStore in table format, spreading values blocks into columns', async () => {
    const result = await read('pandas-table.h5', 0, 2);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.details).toEqual({ hdf5_layout: 'pandas_table', hdf5_path: '/catalog/table' });
    expect(result.value.columns.map((c) => c.name)).toEqual(['id', 'ra', 'dec', 'z', 'name', 'flag']);
    expect(result.value.rows[1]).toEqual({ id: 2, ra: 157.996238, dec: -2.406687, z: 0.3973, name: 'obj001', flag: 2 });
  });

  it('reports a file without a table, a truncated file and a non-HDF5 file', async () => {
    const none = await read('no-table.h5');
    expect(!none.ok && none.error.code).toBe('TABLE_NOT_FOUND');
    const truncated = await read('truncated.h5');
    expect(!truncated.ok && truncated.error.code).toBe('TABLE_TRUNCATED');
    expect(!truncated.ok && truncated.error.message).toContain('eof');
    const garbage = await read('garbage.bin');
    expect(!garbage.ok && garbage.error.code).toBe('TABLE_UNREADABLE');
    expect(!garbage.ok && garbage.error.message).toContain('not an HDF5 file');
  });
});
