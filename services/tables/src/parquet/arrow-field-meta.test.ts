import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parquetMetadata, parquetSchema, type FileMetaData } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectTable } from '../inspect-table';
import { sharedData } from '../test-support';
import { arrowFieldMeta, readArrowFields } from './arrow-field-meta';
import { FlatbufferRejected } from './bounded-flatbuffer';
import { arrowSchemaMessage, arrowSchemaValue, encapsulate, flatbuffer, type ArrowFieldSpec } from './arrow-schema-fixture';

const footerOf = (file: string): FileMetaData => {
  const bytes = readFileSync(file);
  return parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
};
const withSchema = (value: string): FileMetaData => ({ key_value_metadata: [{ key: 'ARROW:schema', value }] }) as FileMetaData;
/** What the strict reader makes of some bytes: fields read, or a bounds/budget refusal (anything else is a bug). */
const outcome = (bytes: Uint8Array): string => {
  try {
    readArrowFields(bytes);
    return 'read';
  } catch (cause) {
    return cause instanceof FlatbufferRejected ? 'rejected' : String(cause);
  }
};
const metaOf = (fields: readonly ArrowFieldSpec[]) => Object.fromEntries(arrowFieldMeta(withSchema(arrowSchemaValue(fields))));

const FIELDS: ArrowFieldSpec[] = [
  { name: 'RA', metadata: { unit: 'deg', ucd: 'pos.eq.ra;meta.main', description: 'Right ascension (J2000)' } },
  { name: 'Z', metadata: { Description: 'spectroscopic redshift', 'pandas:extra': 'ignored' } },
  { name: 'FLUX_G', metadata: { UNIT: 'nJy', ucd: '   ', description: 'x'.repeat(1001) } },
  { name: 'plain' },
];

describe('units, UCDs and descriptions on the Arrow fields of a Parquet footer (ARROW:schema)', () => {
  it('parses the schemas pyarrow wrote into the real catalogs: every field, in order, none annotated', () => {
    for (const file of ['redshift-catalogs/vvds_final_release_random_sample.parquet', 'redshift-catalogs/ozdes_dr2_random_sample.parquet', 'hats/elaiss1oid_collection/catalog/dataset/_common_metadata']) {
      const footer = footerOf(sharedData(file));
      const encoded = footer.key_value_metadata?.find((kv) => kv.key === 'ARROW:schema')?.value ?? '';
      const fields = readArrowFields(Buffer.from(encoded, 'base64'));
      expect(fields.map((f) => f.name), file).toEqual(parquetSchema(footer).children.map((c) => c.element.name));
      expect(fields.every((f) => Object.keys(f.meta).length === 0), file).toBe(true);
      expect(arrowFieldMeta(footer).size, file).toBe(0);
    }
  });

  it('reads unit, ucd and description per field, keys in any case; blank, over-long and other keys ignored', () => {
    expect(metaOf(FIELDS)).toEqual({
      RA: { unit: 'deg', ucd: 'pos.eq.ra;meta.main', description: 'Right ascension (J2000)' },
      Z: { description: 'spectroscopic redshift' },
      FLUX_G: { unit: 'nJy' },
    });
  });

  it('reads the framing Arrow wrote before 0.15 (no continuation marker)', () => {
    const legacy = Buffer.from(encapsulate(flatbuffer(arrowSchemaMessage(FIELDS)), true)).toString('base64');
    expect(arrowFieldMeta(withSchema(legacy)).get('RA')).toMatchObject({ unit: 'deg' });
  });

  it('answers nothing, without throwing, for a schema cut anywhere, bytes flipped anywhere, or no schema at all', () => {
    const good = encapsulate(flatbuffer(arrowSchemaMessage(FIELDS)));
    for (let cut = 0; cut < good.length; cut++) {
      expect(['read', 'rejected']).toContain(outcome(good.subarray(0, cut)));
      expect(() => arrowFieldMeta(withSchema(Buffer.from(good.subarray(0, cut)).toString('base64')))).not.toThrow();
    }
    // Every byte set to values that make offsets and lengths huge, negative or zero.
    for (let at = 0; at < good.length; at++) {
      for (const value of [0x00, 0x7f, 0x80, 0xff]) {
        const bad = Uint8Array.from(good);
        bad[at] = value;
        expect(['read', 'rejected']).toContain(outcome(bad));
        expect(() => arrowFieldMeta(withSchema(Buffer.from(bad).toString('base64')))).not.toThrow();
      }
    }
    for (const value of ['', 'not base64 at all!', Buffer.from('hello world, not a flatbuffer').toString('base64'), 'A'.repeat(17 * 1024 * 1024)]) {
      expect(arrowFieldMeta(withSchema(value)).size).toBe(0);
    }
    expect(arrowFieldMeta({ key_value_metadata: [] } as unknown as FileMetaData).size).toBe(0);
  });

  it('refuses a vector claiming more fields than it holds, or than any table has', () => {
    const good = encapsulate(flatbuffer(arrowSchemaMessage(FIELDS)));
    // Follow the offsets to the fields vector: Message.header (slot 2) → Schema.fields (slot 1).
    const flat = new DataView(good.buffer, 8);
    const fieldAt = (table: number, slot: number) => table + flat.getUint16(table - flat.getInt32(table, true) + 4 + 2 * slot, true);
    const follow = (at: number) => at + flat.getUint32(at, true);
    const schema = follow(fieldAt(flat.getUint32(0, true), 2));
    const lengthAt = 8 + follow(fieldAt(schema, 1));
    expect(new DataView(good.buffer).getUint32(lengthAt, true)).toBe(FIELDS.length);
    for (const claimed of [FIELDS.length + 1, 100_001, 0xffffffff]) {
      const bad = Uint8Array.from(good);
      new DataView(bad.buffer).setUint32(lengthAt, claimed, true);
      expect(outcome(bad)).toBe('rejected');
      expect(arrowFieldMeta(withSchema(Buffer.from(bad).toString('base64'))).size).toBe(0);
    }
  });
});

/** The ECSV header astropy writes into `table_meta_yaml`, made by Debian's python3-astropy. */
const ASTROPY_HEADER = `
from astropy.table import Table
from astropy.table.meta import get_yaml_from_table
import astropy.units as u
t = Table()
t['RA'] = [10.5, 11.0]; t['RA'].unit = u.hourangle; t['RA'].description = 'astropy says'
t['Z'] = [0.1, 0.2]; t['Z'].meta['ucd'] = 'src.redshift'
t['FLUX_G'] = [1.0, 2.0]
print("\\n".join(get_yaml_from_table(t)))
`;

describe('Parquet columns with Arrow field metadata', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pz-arrow-parquet-'));
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

  it('stores them per column; beside an astropy header, the field wins property by property and astropy fills the rest', async () => {
    const arrow = { key: 'ARROW:schema', value: arrowSchemaValue(FIELDS.slice(0, 3)) };
    const alone = await inspectTable(write('arrow.parquet', [arrow]), { fileName: 'arrow.parquet', previewRows: 1 });
    if (!alone.ok) throw new Error(alone.error.message);
    expect(alone.value.columns).toEqual([
      { name: 'RA', type: 'float64', unit: 'deg', ucd: 'pos.eq.ra;meta.main', description: 'Right ascension (J2000)' },
      { name: 'Z', type: 'float64', description: 'spectroscopic redshift' },
      { name: 'FLUX_G', type: 'float64', unit: 'nJy' },
    ]);

    const astropy = { key: 'table_meta_yaml', value: execFileSync('/usr/bin/python3', ['-c', ASTROPY_HEADER], { encoding: 'utf8' }) };
    const both = await inspectTable(write('both.parquet', [astropy, arrow]), { fileName: 'both.parquet', previewRows: 1 });
    if (!both.ok) throw new Error(both.error.message);
    expect(both.value.columns).toEqual([
      { name: 'RA', type: 'float64', unit: 'deg', ucd: 'pos.eq.ra;meta.main', description: 'Right ascension (J2000)' },
      { name: 'Z', type: 'float64', description: 'spectroscopic redshift', ucd: 'src.redshift' },
      { name: 'FLUX_G', type: 'float64', unit: 'nJy' },
    ]);
  });

  it('reads the table as before when the Arrow schema is broken', async () => {
    const cut = arrowSchemaValue(FIELDS).slice(0, 200);
    const table = await inspectTable(write('broken.parquet', [{ key: 'ARROW:schema', value: cut }]), { fileName: 'broken.parquet', previewRows: 2 });
    if (!table.ok) throw new Error(table.error.message);
    expect(table.value.columns).toEqual([{ name: 'RA', type: 'float64' }, { name: 'Z', type: 'float64' }, { name: 'FLUX_G', type: 'float64' }]);
    expect(table.value.previewRows).toHaveLength(2);
  });
});
