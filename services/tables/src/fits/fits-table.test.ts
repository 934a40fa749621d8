import { describe, expect, it } from 'vitest';
import { fixture, readContext, sharedData } from '../test-support';
import { readFitsTable } from './fits-table';

const read = (file: string, offset = 0, limit = 100) => readFitsTable(file, { offset, limit }, readContext(file));

describe('readFitsTable on astropy-written tables', () => {
  it('finds the BINTABLE after an image and decodes every TFORM code', async () => {
    const result = await read(fixture('bintable.fits'), 0, 3);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.nRows).toBe(12);
    expect(result.value.details).toEqual({ hdu_index: 1, hdu_name: 'CATALOG', xtension: 'BINTABLE' });
    // TUNITn rides along with its column (astropy wrote unit="deg" for RA and DEC only).
    expect(result.value.columns.filter((c) => c.unit !== undefined).map((c) => [c.name, c.unit])).toEqual([['RA', 'deg'], ['DEC', 'deg']]);
    expect(Object.fromEntries(result.value.columns.map((c) => [c.name, c.type]))).toEqual({
      ID: 'int64',
      RA: 'float64',
      DEC: 'float64',
      Z: 'float32',
      GOOD: 'bool',
      NAME: 'string',
      FLAGS: 'bits[12]',
      BYTE: 'uint8',
      SHORT: 'int16',
      INT: 'int32',
      MAGS: 'float32[3]',
      USHORT: 'uint16',
      UINT: 'uint32',
      SCALED: 'float64',
      WITHNULL: 'int32',
      FNAN: 'float64',
    });
    const [first, second, third] = result.value.rows;
    expect(first).toMatchObject({ ID: 1, RA: 278.624177, DEC: -14.929442, GOOD: false, NAME: 'obj000', BYTE: 0, SHORT: -5, INT: 0 });
    expect(first?.['Z']).toBeCloseTo(1.559, 5);
    expect(second).toMatchObject({ ID: 2, GOOD: true, NAME: 'obj001', BYTE: 20, INT: 100000, MAGS: [0.75, 1, 1.25] });
    expect(second?.['FLAGS']).toEqual([true, ...Array.from({ length: 11 }, () => false)]);
    expect(third?.['FLAGS']).toEqual([false, true, ...Array.from({ length: 10 }, () => false)]);
  });

  it('applies the unsigned-integer convention, TSCAL/TZERO and TNULL, and nulls non-finite floats', async () => {
    const result = await read(fixture('bintable.fits'), 0, 3);
    if (!result.ok) throw new Error(result.error.message);
    const rows = result.value.rows;
    expect(rows.map((row) => row['USHORT'])).toEqual([0, 1, 65535]);
    expect(rows.map((row) => row['UINT'])).toEqual([0, 4294967295, 3000000000]);
    expect(rows.map((row) => row['SCALED'])).toEqual([9, 9.2, 9.4].map((v) => expect.closeTo(v, 10)));
    expect(rows.map((row) => row['WITHNULL'])).toEqual([1, null, 3]);
    expect(rows.map((row) => row['FNAN'])).toEqual([null, null, 1.5]);
  });

  it('reads any window of rows', async () => {
    const result = await read(fixture('bintable.fits'), 10, 5);
    expect(result.ok && result.value.rows.map((row) => row['ID'])).toEqual([11, 12]);
  });

  it('reads an ASCII TABLE extension', async () => {
    const result = await read(fixture('ascii-table.fits'), 0, 2);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.details).toEqual({ hdu_index: 1, hdu_name: 'ASCII', xtension: 'TABLE' });
    expect(result.value.columns).toEqual([
      { name: 'ID', type: 'int64' },
      { name: 'Z', type: 'float64' },
      { name: 'EXP', type: 'float64' },
      { name: 'NAME', type: 'string' },
    ]);
    // EXP is written as E12.4, so only four decimals of the mantissa survive.
    expect(result.value.rows[0]).toEqual({ ID: 1, Z: 1.559, EXP: 27862000, NAME: 'obj000' });
  });

  it('reads the real HATS point map (a cdshealpix BINTABLE)', async () => {
    const result = await read(sharedData('hats/elaiss1oid_collection/catalog/point_map.fits'), 0, 2);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.nRows).toBe(178);
    expect(result.value.columns).toEqual([
      { name: 'PIXEL', type: 'int64' },
      { name: 'VALUE', type: 'int64' },
    ]);
    expect(result.value.rows[0]).toEqual({ PIXEL: 9059197, VALUE: 1 });
  });
});

describe('readFitsTable on broken files', () => {
  const cases: [string, string, string][] = [
    ['truncated.fits', 'TABLE_TRUNCATED', 'declares 12 rows'],
    ['truncated-header.fits', 'TABLE_TRUNCATED', 'before its END card'],
    ['corrupted-header.fits', 'TABLE_UNREADABLE', "NAXIS1 is missing or not a non-negative integer (it reads 'not-a-number')"],
    ['unsupported-tform.fits', 'TABLE_FORMAT_UNSUPPORTED', "TFORM2 = 'PJ(3)' (variable-length array)"],
    ['image-only.fits', 'TABLE_NOT_FOUND', 'no table extension'],
    ['garbage.bin', 'TABLE_UNREADABLE', 'SIMPLE = T'],
  ];
  it.each(cases)('%s → %s', async (name, code, message) => {
    const result = await read(fixture(name));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    expect(result.error.message).toContain(message);
  });

  it('names the unsupported column in the error field', async () => {
    const result = await read(fixture('unsupported-tform.fits'));
    expect(!result.ok && result.error.field).toBe('SPEC');
  });
});
