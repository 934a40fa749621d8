import { describe, expect, it } from 'vitest';
import { inspectTable } from './inspect-table';
import { fixture, sharedData } from './test-support';

describe('inspectTable on the pzserver tutorial upload', () => {
  it('reads upload_example.csv: 10 rows, six typed columns', async () => {
    const result = await inspectTable(sharedData('pzserver-tutorial/upload_example.csv'), { fileName: 'upload_example.csv' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.format).toBe('csv');
    expect(result.value.nRows).toBe(10);
    expect(result.value.columns).toEqual([
      { name: 'ID', type: 'int' },
      { name: 'RA', type: 'float' },
      { name: 'DEC', type: 'float' },
      { name: 'Z', type: 'float' },
      { name: 'ERR_Z', type: 'float' },
      { name: 'FLAG_DES', type: 'int' },
    ]);
    expect(result.value.previewRows).toHaveLength(10);
    expect(result.value.previewRows[0]).toEqual({ ID: 1037374, RA: 30.63617, DEC: -9.95081, Z: 0.161715, ERR_Z: 99, FLAG_DES: 4 });
    expect(result.value.details).toEqual({ delimiter: ',', has_header: true });
  });

  it('says why the tutorial HTML page is not a table', async () => {
    const result = await inspectTable(sharedData('pzserver-tutorial/upload_example.html'), { fileName: 'upload_example.html' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('TABLE_UNREADABLE');
  });
});

describe('inspectTable on the real redshift catalogs (pyarrow Parquet)', () => {
  const catalogs: [string, number, string[]][] = [
    ['vvds_final_release_random_sample.parquet', 29, ['NUM', 'ALPHA', 'DELTA', 'Z', 'ZFLAGS', 'survey_name']],
    ['2dflens_final_release_random_sample.parquet', 14, ['unique_id', 'RA', 'Dec', 'z', 'qual', 'survey_name']],
    ['ozdes_dr2_random_sample.parquet', 10, ['OzDES_ID', 'Alpha_J2000', 'Delta_J2000', 'z', 'qop', 'survey_name']],
  ];
  it.each(catalogs)('%s: 1000 rows, %i columns, the README column names', async (name, columnCount, expected) => {
    const result = await inspectTable(sharedData(`redshift-catalogs/${name}`), { fileName: name });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.format).toBe('parquet');
    expect(result.value.nRows).toBe(1000);
    expect(result.value.columns).toHaveLength(columnCount);
    expect(result.value.columns.map((c) => c.name)).toEqual(expect.arrayContaining(expected));
    expect(result.value.previewRows).toHaveLength(100);
    for (const row of result.value.previewRows) expect(Object.keys(row)).toHaveLength(columnCount);
    expect(() => JSON.stringify(result.value.previewRows)).not.toThrow();
  });

  it('reads INT64 columns as numbers and strings as text', async () => {
    const result = await inspectTable(sharedData('redshift-catalogs/vvds_final_release_random_sample.parquet'), { fileName: 'vvds.parquet', previewRows: 1 });
    if (!result.ok) throw new Error(result.error.message);
    const [row] = result.value.previewRows;
    expect(typeof row?.['NUM']).toBe('number');
    expect(typeof row?.['ZFLAGS']).toBe('number');
    expect(row?.['survey_name']).toBe('VVDS');
    expect(result.value.columns.find((c) => c.name === 'NUM')?.type).toBe('int64');
  });
});

describe('inspectTable on the real HATS partition', () => {
  it('knows the 478 rows and the columns, and previews its ZSTD-compressed rows', async () => {
    const file = sharedData('hats/elaiss1oid_collection/catalog/dataset/Norder=2/Dir=0/Npix=138.parquet');
    const result = await inspectTable(file, { fileName: 'Npix=138.parquet', previewRows: 5 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.nRows).toBe(478);
    expect(result.value.columns.map((c) => c.name)).toEqual(expect.arrayContaining(['_healpix_29', 'RAdeg', 'DEdeg', 'z', 'survey_name']));
    expect(result.value.details['preview_unavailable']).toBeUndefined();
    expect(result.value.previewRows).toHaveLength(5);
    const first = result.value.previewRows[0];
    // ELAIS-S1 lies near RA 9.6°, Dec -43.5°.
    expect(Number(first?.['RAdeg'])).toBeGreaterThan(5);
    expect(Number(first?.['RAdeg'])).toBeLessThan(15);
    expect(Number(first?.['DEdeg'])).toBeLessThan(-40);
    expect(typeof first?.['survey_name']).toBe('string');
  });
});

describe('format detection', () => {
  it('trusts magic bytes over a misleading name', async () => {
    const result = await inspectTable(fixture('small.parquet'), { fileName: 'catalog.csv', previewRows: 1 });
    expect(result.ok && result.value.format).toBe('parquet');
  });

  it('lets previewRows bound the preview', async () => {
    const result = await inspectTable(fixture('bintable.fits'), { fileName: 'bintable.fits', previewRows: 3 });
    expect(result.ok && result.value.previewRows).toHaveLength(3);
    expect(result.ok && result.value.nRows).toBe(12);
  });

  it('reports a missing file as unavailable, not as a broken table', async () => {
    const result = await inspectTable(fixture('no-such-file.csv'), { fileName: 'no-such-file.csv' });
    expect(!result.ok && result.error.code).toBe('TABLE_FILE_UNAVAILABLE');
  });

  it('reports an empty file', async () => {
    const result = await inspectTable(fixture('empty.csv'), { fileName: 'empty.csv' });
    expect(!result.ok && result.error.code).toBe('TABLE_EMPTY');
  });
});
