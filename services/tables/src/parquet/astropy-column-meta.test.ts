import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectTable } from '../inspect-table';

/** The ECSV header astropy writes into a Parquet file's `table_meta_yaml`, made by Debian's python3-astropy. */
const ASTROPY_HEADER = `
from astropy.table import Table
from astropy.table.meta import get_yaml_from_table
import astropy.units as u
t = Table()
t['RA'] = [10.5, 11.0]; t['RA'].unit = u.deg; t['RA'].description = 'Right ascension (J2000)'; t['RA'].meta['ucd'] = 'pos.eq.ra;meta.main'
t['Z'] = [0.1, 0.2]; t['Z'].description = 'spectroscopic redshift'
t['FLUX_G'] = [1.0, 2.0]; t['FLUX_G'].unit = u.nJy
t.meta['survey'] = 'demo'
print("\\n".join(get_yaml_from_table(t)))
`;

describe('units, descriptions and UCDs astropy keeps in Parquet', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pz-astropy-parquet-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, kv: { key: string; value: string }[]) => {
    const file = path.join(dir, name);
    writeFileSync(file, Buffer.from(parquetWriteBuffer({
      columnData: [
        { name: 'RA', data: [10.5, 11.0], type: 'DOUBLE' },
        { name: 'Z', data: [0.1, 0.2], type: 'DOUBLE' },
        { name: 'FLUX_G', data: [1.0, 2.0], type: 'DOUBLE' },
      ],
      kvMetadata: kv,
    })));
    return file;
  };

  it('reads them from the header astropy wrote, per column', async () => {
    const header = execFileSync('/usr/bin/python3', ['-c', ASTROPY_HEADER], { encoding: 'utf8' });
    const table = await inspectTable(write('astropy.parquet', [{ key: 'table_meta_yaml', value: header }]), { fileName: 'astropy.parquet', previewRows: 2 });
    if (!table.ok) throw new Error(table.error.message);
    expect(table.value.columns).toEqual([
      { name: 'RA', type: 'float64', unit: 'deg', description: 'Right ascension (J2000)', ucd: 'pos.eq.ra;meta.main' },
      { name: 'Z', type: 'float64', description: 'spectroscopic redshift' },
      { name: 'FLUX_G', type: 'float64', unit: 'nJy' },
    ]);
  });

  it('reads the table as before when the header is missing, broken or hostile', async () => {
    const plain = [{ name: 'RA', type: 'float64' }, { name: 'Z', type: 'float64' }, { name: 'FLUX_G', type: 'float64' }];
    const aliases = `a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\ndatatype: [*c, *c, *c, *c]\n`;
    for (const [name, value] of [['none.parquet', null], ['broken.parquet', 'datatype: [ {name: RA, unit'], ['aliases.parquet', aliases], ['huge.parquet', `datatype:\n- {name: RA, unit: ${'m'.repeat(2_000_000)}}\n`]] as const) {
      const table = await inspectTable(write(name, value === null ? [] : [{ key: 'table_meta_yaml', value }]), { fileName: name, previewRows: 1 });
      if (!table.ok) throw new Error(`${name}: ${table.error.message}`);
      expect(table.value.columns, name).toEqual(plain);
      expect(table.value.nRows, name).toBe(2);
    }
  });
});
