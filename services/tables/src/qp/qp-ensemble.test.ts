import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HDF5_LAYOUT_READERS } from '../hdf5/hdf5-layout-readers';
import { leaksCanary, writeHostileHdf5, type HostileHdf5Files } from '../hdf5/hostile-hdf5-files';
import { inspectTable } from '../inspect-table';
import { readTableRows } from '../read-table-rows';
import { fixture } from '../test-support';
import { readQpEnsemble } from './qp-ensemble';

const inspect = (name: string, previewRows = 100) => inspectTable(fixture(name), { fileName: name, previewRows });

describe('qp ensembles (photo-z PDFs in HDF5)', () => {
  it('reads a histogram ensemble: parameterisation, PDF count, bin edges, point estimates from ancil', async () => {
    const table = await inspect('qp-hist.hdf5', 2);
    if (!table.ok) throw new Error(table.error.message);
    expect(table.value.format).toBe('qp');
    expect(table.value.nRows).toBe(6);
    expect(table.value.columns).toEqual([
      { name: 'zmean', type: 'float64' },
      { name: 'zmode', type: 'float64' },
      { name: 'pdfs', type: 'float64[30]' },
    ]);
    expect(table.value.details).toMatchObject({ qp_parameterization: 'hist', qp_parameterization_label: 'histogram', qp_pdf_count: 6, qp_grid_name: 'bins', qp_point_estimates: 'zmean,zmode' });
    const edges = JSON.parse(String(table.value.details.qp_grid)) as number[];
    expect([edges.length, edges[0], edges[30]]).toEqual([31, 0, 3]);
    const [row] = table.value.previewRows;
    expect(typeof row?.zmode).toBe('number');
    expect((row?.pdfs as number[]).length).toBe(30);
  });

  it('reads interpolated-grid and mixture-model ensembles, and pages PDFs', async () => {
    const interp = await inspect('qp-interp.hdf5');
    expect(interp.ok && [interp.value.details.qp_parameterization_label, interp.value.details.qp_grid_name, interp.value.columns]).toEqual(['interpolated grid', 'xvals', [{ name: 'yvals', type: 'float64[11]' }]]);
    const mixmod = await inspect('qp-mixmod.hdf5');
    expect(mixmod.ok && [mixmod.value.details.qp_parameterization_label, mixmod.value.details.qp_grid, mixmod.value.columns.map((c) => c.name)]).toEqual(['mixture model', null, ['means', 'stds', 'weights']]);
    const page = await readTableRows(fixture('qp-mixmod.hdf5'), { fileName: 'x.hdf5', offset: 4, limit: 10 });
    expect(page.ok && [page.value.count, page.value.rows.length]).toEqual([6, 2]);
  });

  it('refuses an HDF5 that claims to be qp but has no data, naming the problem', async () => {
    const table = await inspect('qp-fake.hdf5');
    expect(!table.ok && table.error).toMatchObject({ code: 'TABLE_LAYOUT_BROKEN', message: expect.stringContaining('claims to be a qp ensemble (meta/pdf_name = "hist") but has no data group') });
  });

  it('leaves other HDF5 files to the table reader', async () => {
    const table = await inspect('compound.h5', 1);
    expect(table.ok && table.value.format).toBe('hdf5');
  });

  it('is an HDF5 layout reader, run in the confined HDF5 worker before the generic table layouts', () => {
    expect(HDF5_LAYOUT_READERS[0]).toBe(readQpEnsemble);
  });
});

describe('qp ensembles that point outside themselves', () => {
  let files: HostileHdf5Files;
  beforeAll(async () => {
    files = await writeHostileHdf5();
  }, 120_000);
  afterAll(async () => {
    await files.remove();
  });

  it.each([
    ['qp-efl.h5', /another file/],
    ['qp-extlink.h5', /another file/],
  ] as const)('%s is refused with TABLE_EXTERNAL_REFERENCE and the canary never appears', async (name, message) => {
    const table = await inspectTable(files.path(name), { fileName: name, previewRows: 1000 });
    expect(leaksCanary(table, files.canary)).toBe(false);
    expect(!table.ok && table.error).toMatchObject({ code: 'TABLE_EXTERNAL_REFERENCE', message: expect.stringMatching(message) });
  }, 60_000);
});
