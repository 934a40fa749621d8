import { describe, expect, it } from 'vitest';
import { inspectTable } from '../inspect-table';
import type { TableRow } from '../types';
import { sampleColumns } from './column-sample';
import { nameTokens } from './column-names';
import { suggestColumnRoles, type ColumnDescription } from './suggest-column-roles';
import { suggestTableColumnRoles } from './table-column-roles';

const DATA = '../shared/data';

/** alias → column name, for the aliased roles a table's suggestions pick. */
const aliases = (suggestions: ReturnType<typeof suggestColumnRoles>) =>
  Object.fromEntries(suggestions.filter((s) => s.alias !== null).map((s) => [s.alias, s.column]));

/** Rows whose values fit each column's name: what a preview of a real survey would show. */
function rowsFor(columns: readonly ColumnDescription[], n = 20): TableRow[] {
  return Array.from({ length: n }, (_, i) => {
    const row: TableRow = {};
    for (const c of columns) {
      const lower = c.name.toLowerCase();
      if (c.type === 'string') row[c.name] = /survey|instr|tel/.test(lower) ? 'DESI' : `obj-${i}`;
      else if (/^(u?int)/.test(c.type)) row[c.name] = /flag|qual|warn|^q|nq|qop/.test(lower) ? i % 5 : 1000 + i * 7;
      else if (/dec|delta|^de|glat|^b$/.test(lower)) row[c.name] = -30 + i;
      else if (/mag/.test(lower) && !/err|sig|^e_/.test(lower)) row[c.name] = 18 + i / 10;
      else if (/err|sig|^e_/.test(lower)) row[c.name] = 0.001 * (i + 1);
      else if (/^(z|redshift)|z_|zspec|zbest|photoz|zphot/.test(lower)) row[c.name] = 0.05 * (i + 1);
      else row[c.name] = 10 + i * 15;
    }
    return row;
  });
}

const suggest = (columns: readonly ColumnDescription[], rows = rowsFor(columns)) =>
  suggestColumnRoles(columns, sampleColumns(columns.map((c) => c.name), rows));

const cols = (spec: string): ColumnDescription[] =>
  spec.split(/\s+/).filter(Boolean).map((entry) => {
    const [name = '', type = 'float64'] = entry.split(':');
    return { name, type };
  });

describe('nameTokens', () => {
  it('splits survey spellings into words', () => {
    expect(nameTokens('Alpha_J2000')).toEqual(['alpha', 'j2000']);
    expect(nameTokens('TARGET_RA')).toEqual(['target', 'ra']);
    expect(nameTokens('modelMag_r')).toEqual(['model', 'mag', 'r']);
    expect(nameTokens('ID-IAU')).toEqual(['id', 'iau']);
    expect(nameTokens('__index_level_0__')).toEqual(['index', 'level', '0']);
  });
});

describe('suggestColumnRoles on the real catalogs', () => {
  // The table of ../shared/data/README.md.
  const expected: [string, Record<string, string>][] = [
    ['redshift-catalogs/vvds_final_release_random_sample.parquet', { ID: 'NUM', RA: 'ALPHA', Dec: 'DELTA', z: 'Z', z_flag: 'ZFLAGS', survey: 'survey_name' }],
    ['redshift-catalogs/2dflens_final_release_random_sample.parquet', { ID: 'unique_id', RA: 'RA', Dec: 'Dec', z: 'z', z_flag: 'qual', survey: 'survey_name' }],
    ['redshift-catalogs/ozdes_dr2_random_sample.parquet', { ID: 'OzDES_ID', RA: 'Alpha_J2000', Dec: 'Delta_J2000', z: 'z', z_flag: 'qop', survey: 'survey_name' }],
    ['pzserver-tutorial/upload_example.csv', { ID: 'ID', RA: 'RA', Dec: 'DEC', z: 'Z', z_err: 'ERR_Z', z_flag: 'FLAG_DES' }],
  ];
  it.each(expected)('%s', async (file, roles) => {
    const table = await inspectTable(`${DATA}/${file}`, { fileName: file });
    if (!table.ok) throw new Error(table.error.message);
    expect(aliases(suggestTableColumnRoles(table.value))).toEqual(roles);
  });

  it('reads the 2dFLenS magnitudes as magnitudes per band, zmag included (not a redshift)', async () => {
    const table = await inspectTable(`${DATA}/redshift-catalogs/2dflens_final_release_random_sample.parquet`, { fileName: 'x.parquet' });
    if (!table.ok) throw new Error(table.error.message);
    const byColumn = new Map(suggestTableColumnRoles(table.value).map((s) => [s.column, s]));
    expect(byColumn.get('zmag')).toMatchObject({ role: 'mag', band: 'z', ucd: 'phot.mag;em.opt.I' });
    expect(byColumn.get('w1mag')).toMatchObject({ role: 'mag', band: 'w1' });
    expect(byColumn.get('__index_level_0__')).toBeUndefined();
    expect(byColumn.get('target')).toBeUndefined();
  });
});

describe('suggestColumnRoles on other surveys', () => {
  const surveys: [string, string, Record<string, string>][] = [
    ['SDSS specObj', 'SPECOBJID:int64 PLATE:int32 MJD:int32 FIBERID:int32 PLUG_RA PLUG_DEC CLASS:string Z Z_ERR ZWARNING:int32 SURVEY:string INSTRUMENT:string',
      { ID: 'SPECOBJID', RA: 'PLUG_RA', Dec: 'PLUG_DEC', z: 'Z', z_err: 'Z_ERR', z_flag: 'ZWARNING', survey: 'SURVEY' }],
    ['DESI zcatalog', 'TARGETID:int64 SURVEY:string PROGRAM:string HEALPIX:int32 TARGET_RA TARGET_DEC Z ZERR ZWARN:int64 SPECTYPE:string FLUX_G FLUX_R FLUX_Z FLUX_IVAR_G FLUX_IVAR_R FLUX_W1',
      { ID: 'TARGETID', RA: 'TARGET_RA', Dec: 'TARGET_DEC', z: 'Z', z_err: 'ZERR', z_flag: 'ZWARN', survey: 'SURVEY' }],
    ['6dFGS', 'specid:int32 targetname:string RAJ2000 DEJ2000 bJ rF z_helio:float64 quality:int16 z_origin:string',
      { ID: 'specid', RA: 'RAJ2000', Dec: 'DEJ2000', z: 'z_helio', z_flag: 'quality' }],
    ['GAMA', 'CATAID:int64 RA DEC Z NQ:int16 PROB SURVEY:string SURVEY_CODE:int16 FIBERMAG_R',
      { ID: 'CATAID', RA: 'RA', Dec: 'DEC', z: 'Z', z_flag: 'NQ', survey: 'SURVEY' }],
    ['2MASS PSC', 'ra decl err_maj err_min designation:string j_m j_msigcom h_m h_msigcom k_m k_msigcom ph_qual:string glon glat',
      { ID: 'designation', RA: 'ra', Dec: 'decl' }],
    ['Gaia DR3', 'solution_id:int64 designation:string source_id:int64 ra ra_error dec dec_error parallax pmra pmdec phot_g_mean_flux phot_g_mean_flux_error phot_g_mean_mag phot_bp_mean_mag phot_rp_mean_mag l b',
      { ID: 'source_id', RA: 'ra', Dec: 'dec' }],
    ['VizieR style', 'Seq:int32 RAdeg DEdeg e_RAdeg zsp e_zsp q_zsp:int16 Jmag e_Jmag',
      { ID: 'Seq', RA: 'RAdeg', Dec: 'DEdeg', z: 'zsp', z_err: 'e_zsp', z_flag: 'q_zsp' }],
    ['DEEP2 / zCOSMOS', 'OBJNO:int64 RA_deg DEC_deg ZBEST ZERR ZQUALITY:int16 MAGB MAGR MAGI',
      { ID: 'OBJNO', RA: 'RA_deg', Dec: 'DEC_deg', z: 'ZBEST', z_err: 'ZERR', z_flag: 'ZQUALITY' }],
    ['photometric catalog', 'object_id:int64 ra dec z_phot z_phot_err mag_auto_r magerr_auto_r',
      { ID: 'object_id', RA: 'ra', Dec: 'dec', z: 'z_phot', z_err: 'z_phot_err' }],
    ['VIPERS', 'num:int64 alpha delta zspec zflg:float64 selmag',
      { ID: 'num', RA: 'alpha', Dec: 'delta', z: 'zspec', z_flag: 'zflg' }],
    ['SDSS photo with a z-band magnitude named z', 'objID:int64 ra dec u g r i z',
      { ID: 'objID', RA: 'ra', Dec: 'dec' }],
  ];

  it.each(surveys)('%s', (_survey, spec, roles) => {
    const columns = cols(spec);
    const rows = rowsFor(columns).map((row) => ('z' in row && spec.includes(' u g r i z') ? { ...row, z: 19.5 } : row));
    expect(aliases(suggest(columns, rows))).toEqual(roles);
  });

  it('gives per-band photometry roles and UCDs', () => {
    const byColumn = new Map(suggest(cols('phot_g_mean_mag phot_g_mean_flux_error j_m j_msigcom FLUX_IVAR_R modelMag_r MAGERR_AUTO_B e_Jmag')).map((s) => [s.column, s]));
    expect(byColumn.get('phot_g_mean_mag')).toMatchObject({ role: 'mag', band: 'g', alias: null, ucd: 'phot.mag;em.opt.B' });
    expect(byColumn.get('phot_g_mean_flux_error')).toMatchObject({ role: 'flux_err', band: 'g' });
    expect(byColumn.get('j_m')).toMatchObject({ role: 'mag', band: 'j', ucd: 'phot.mag;em.IR.J' });
    expect(byColumn.get('j_msigcom')).toMatchObject({ role: 'mag_err', band: 'j', ucd: 'stat.error;phot.mag;em.IR.J' });
    expect(byColumn.get('FLUX_IVAR_R')).toMatchObject({ role: 'flux_err', band: 'r' });
    expect(byColumn.get('modelMag_r')).toMatchObject({ role: 'mag', band: 'r' });
    expect(byColumn.get('MAGERR_AUTO_B')).toMatchObject({ role: 'mag_err', band: 'b' });
    expect(byColumn.get('e_Jmag')).toMatchObject({ role: 'mag_err', band: 'j' });
  });
});

describe('suggestColumnRoles checks values, types, units and UCDs', () => {
  it('refuses RA and Dec whose values are out of range', () => {
    const columns = cols('ra dec');
    const rows = Array.from({ length: 10 }, (_, i) => ({ ra: 400 + i, dec: 95 + i }));
    expect(suggest(columns, rows)).toEqual([]);
  });

  it('refuses a "z" whose values are not redshifts (a magnitude) and an integer id that repeats', () => {
    const columns = cols('id:int64 z');
    const rows = Array.from({ length: 10 }, (_, i) => ({ id: i % 3, z: 20 + i / 10 }));
    expect(suggest(columns, rows)).toEqual([]);
  });

  it('accepts a redshift column with sentinel values (-9.999, 9.9999) when most values are redshifts', () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ Z: i < 2 ? -9.999 : 0.1 * i }));
    expect(aliases(suggest(cols('Z'), rows))).toEqual({ z: 'Z' });
  });

  it('refuses a position in hours or radians by unit, and prefers a degree unit', () => {
    expect(suggest([{ name: 'RA', type: 'float64', unit: 'h' }], [{ RA: 12 }])).toEqual([]);
    const [ra] = suggest([{ name: 'RA', type: 'float64', unit: 'deg' }], [{ RA: 12 }]);
    expect(ra?.confidence).toBeGreaterThan(0.95);
  });

  it('takes roles from UCDs when names say nothing', () => {
    const columns: ColumnDescription[] = [
      { name: 'c1', type: 'int64', ucd: 'meta.id;meta.main' },
      { name: 'c2', type: 'float64', ucd: 'pos.eq.ra;meta.main', unit: 'deg' },
      { name: 'c3', type: 'float64', ucd: 'pos.eq.dec;meta.main', unit: 'deg' },
      { name: 'c4', type: 'float64', ucd: 'src.redshift' },
      { name: 'c5', type: 'float64', ucd: 'stat.error;src.redshift' },
      { name: 'c6', type: 'float64', ucd: 'phot.mag;em.opt.V' },
    ];
    const suggestions = suggestColumnRoles(columns);
    expect(aliases(suggestions)).toEqual({ ID: 'c1', RA: 'c2', Dec: 'c3', z: 'c4', z_err: 'c5' });
    expect(suggestions.find((s) => s.column === 'c6')).toMatchObject({ role: 'mag', band: 'v' });
  });

  it('gives each aliased role to one column only, the surest', () => {
    const suggestions = suggest(cols('RA_OPT RA DEC Z Z_PHOT'));
    expect(aliases(suggestions)).toEqual({ RA: 'RA', Dec: 'DEC', z: 'Z' });
    expect(suggestions.filter((s) => s.alias === 'z')).toHaveLength(1);
  });

  it('never takes an error, a proper motion or a galactic coordinate for a position', () => {
    expect(aliases(suggest(cols('ra_error dec_error pmra pmdec glon glat')))).toEqual({});
  });

  it('works without any sample (preview unavailable), on names alone', () => {
    expect(aliases(suggestColumnRoles(cols('objid:int64 RA DEC Z')))).toEqual({ ID: 'objid', RA: 'RA', Dec: 'DEC', z: 'Z' });
  });
});
