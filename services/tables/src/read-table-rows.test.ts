import { describe, expect, it } from 'vitest';
import { readTableRows } from './read-table-rows';
import { fixture, sharedData } from './test-support';

describe('readTableRows', () => {
  it('pages through a CSV with the total count', async () => {
    const file = sharedData('pzserver-tutorial/upload_example.csv');
    const page = await readTableRows(file, { fileName: 'upload_example.csv', offset: 8, limit: 5 });
    expect(page.ok).toBe(true);
    if (!page.ok) return;
    expect(page.value.count).toBe(10);
    expect(page.value.columns).toEqual(['ID', 'RA', 'DEC', 'Z', 'ERR_Z', 'FLAG_DES']);
    expect(page.value.rows).toHaveLength(2);
  });

  it('returns the same rows as a full read for every format', async () => {
    for (const name of ['small.parquet', 'bintable.fits', 'compound.h5', 'pandas-table.h5', 'semicolon.csv']) {
      const all = await readTableRows(fixture(name), { fileName: name, offset: 0, limit: 100 });
      const page = await readTableRows(fixture(name), { fileName: name, offset: 5, limit: 3 });
      expect(all.ok && page.ok).toBe(true);
      if (!all.ok || !page.ok) continue;
      expect(page.value.count).toBe(12);
      expect(page.value.rows).toEqual(all.value.rows.slice(5, 8));
    }
  });

  it('pages the real Parquet catalogs past the first page', async () => {
    const file = sharedData('redshift-catalogs/ozdes_dr2_random_sample.parquet');
    const page = await readTableRows(file, { fileName: 'ozdes.parquet', offset: 990, limit: 100 });
    expect(page.ok && page.value.rows).toHaveLength(10);
    expect(page.ok && page.value.count).toBe(1000);
  });

  it('clamps nonsense windows instead of failing', async () => {
    const page = await readTableRows(fixture('semicolon.csv'), { fileName: 'semicolon.csv', offset: -4, limit: Number.NaN });
    expect(page.ok && page.value.rows).toEqual([]);
    expect(page.ok && page.value.count).toBe(12);
  });

  it('pages through the ZSTD-compressed rows of the real HATS partition', async () => {
    const file = sharedData('hats/elaiss1oid_collection/catalog/dataset/Norder=2/Dir=0/Npix=138.parquet');
    const page = await readTableRows(file, { fileName: 'Npix=138.parquet', offset: 470, limit: 10 });
    expect(page.ok).toBe(true);
    if (!page.ok) return;
    expect(page.value.count).toBe(478);
    expect(page.value.rows).toHaveLength(8);
    expect(page.value.rows.every((row) => typeof row['z'] === 'number')).toBe(true);
  });
});
