import { writeFileSync, mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { inspectTable } from '../inspect-table';
import { readTableRows } from '../read-table-rows';
import { createReadMeter } from '../types';
import { fixture } from '../test-support';

const inspect = (name: string, previewRows = 100) => inspectTable(fixture(name), { fileName: name, previewRows });

describe('VOTable', () => {
  it.each(['tabledata.vot', 'binary2.vot'])('reads the astropy-written %s: fields with units, UCDs, descriptions; rows; nulls', async (name) => {
    const table = await inspect(name);
    if (!table.ok) throw new Error(table.error.message);
    expect(table.value.format).toBe('votable');
    expect(table.value.nRows).toBe(7);
    expect(table.value.columns).toEqual([
      { name: 'objid', type: 'int64' },
      { name: 'RAJ2000', type: 'float64', unit: 'deg', ucd: 'pos.eq.ra;meta.main' },
      { name: 'DEJ2000', type: 'float64', unit: 'deg', ucd: 'pos.eq.dec;meta.main' },
      { name: 'zsp', type: 'float32', ucd: 'src.redshift', description: 'Spectroscopic redshift' },
      { name: 'q_zsp', type: 'int16' },
      { name: 'name', type: 'string' },
      { name: 'good', type: 'bool' },
      { name: 'mags', type: 'float64[3]' },
    ]);
    const [first, , third] = table.value.previewRows;
    expect(first).toMatchObject({ objid: 100, RAJ2000: 225.034368, DEJ2000: -2.514011, q_zsp: 4, name: 'gal 0 <&>', good: true });
    expect(first?.zsp).toBeCloseTo(1.0141, 4);
    expect((first?.mags as number[]).length).toBe(3);
    expect(third?.zsp).toBeNull();
    expect(table.value.details.serialization).toBe(name.startsWith('binary2') ? 'BINARY2' : 'TABLEDATA');
  });

  it('pages rows', async () => {
    const page = await readTableRows(fixture('binary2.vot'), { fileName: 'binary2.vot', offset: 5, limit: 10 });
    expect(page.ok && [page.value.count, page.value.rows.map((r) => r.objid)]).toEqual([7, [105, 106]]);
  });

  it('reads the hand-written edge cases: null markers, variable arrays, escapes, CDATA, a namespace prefix', async () => {
    const table = await inspect('votable-edge-cases.xml');
    if (!table.ok) throw new Error(table.error.message);
    expect(table.value.columns).toEqual([
      { name: 'id', type: 'int32', ucd: 'meta.id;meta.main', description: 'Object number' },
      { name: 'flux', type: 'float32[]', unit: 'mJy' },
      { name: 'label', type: 'string' },
      { name: 'ok', type: 'bool' },
    ]);
    expect(table.value.previewRows).toEqual([
      { id: 1, flux: [1.5, 2.5, null], label: 'a <b> & é', ok: true },
      { id: null, flux: null, label: '<raw & text>', ok: null },
      { id: null, flux: [3], label: null, ok: false },
      { id: 4, flux: [4, 5], label: '"quoted"', ok: true },
    ]);
  });

  it('refuses malformed XML and a VOTable cut short with a 4xx code naming the problem', async () => {
    const malformed = await inspect('votable-malformed.xml');
    expect(!malformed.ok && malformed.error).toMatchObject({ code: 'TABLE_UNREADABLE', message: expect.stringContaining('not well-formed') });
    const dir = mkdtempSync(path.join(tmpdir(), 'vot-'));
    try {
      const cut = path.join(dir, 'cut.vot');
      writeFileSync(cut, '<?xml version="1.0"?><VOTABLE><RESOURCE><TABLE><FIELD name="a" datatype="int"/><DATA><TABLEDATA><TR><TD>1</TD></TR>');
      const truncated = await inspectTable(cut, { fileName: 'cut.vot' });
      expect(!truncated.ok && truncated.error.code).toBe('TABLE_TRUNCATED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('streams: an 18 MB TABLEDATA of 400,000 rows is counted with memory for one row and the window', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vot-'));
    try {
      const big = path.join(dir, 'big.vot');
      const out = createWriteStream(big);
      out.write('<?xml version="1.0"?><VOTABLE><RESOURCE><TABLE><FIELD name="id" datatype="long"/><FIELD name="ra" datatype="double" unit="deg"/><DATA><TABLEDATA>\n');
      const N = 400_000;
      for (let i = 0; i < N; i += 10_000) {
        let chunk = '';
        for (let j = i; j < i + 10_000; j++) chunk += `<TR><TD>${j}</TD><TD>${(j % 360) + 0.123456789}</TD></TR>\n`;
        if (!out.write(chunk)) await once(out, 'drain');
      }
      out.end('</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>\n');
      await once(out, 'finish');
      const meter = createReadMeter();
      const before = process.memoryUsage().heapUsed;
      const table = await inspectTable(big, { fileName: 'big.vot', previewRows: 3, readMeter: meter });
      expect(table.ok && [table.value.nRows, table.value.previewRows.length]).toEqual([N, 3]);
      expect(meter.bytesRead).toBeGreaterThan(15_000_000);
      // Far below the file's size: the rows are not held.
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(30_000_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
