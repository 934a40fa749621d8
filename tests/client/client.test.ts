import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnApiProcess, type ApiProcess } from '@pz/api/api-process';
import { signUpOverHttp } from '@pz/api/sign-up-over-http';
import { clientBackends } from './client-backends';

/**
 * The real `pzserver` Python client, unchanged (../shared/clients/pzserver), against the real
 * server as `npm start` runs it: on the embedded default (PGlite) and, when DATABASE_URL is set,
 * on PostgreSQL. tutorial.py makes the tutorial notebook's calls in its order, then every other
 * public method of PzServer, PzUpload and PzProduct (the pipeline methods are in pipelines.py /
 * pipelines.test.ts), printing what each returned; each `it` below asserts on one step's result.
 */

const root = path.resolve(import.meta.dirname, '..', '..');
const PYTHON = path.resolve(root, '..', 'shared', 'clients', 'pzserver', 'python.sh');
const SCRIPT = path.join(import.meta.dirname, 'tutorial.py');
const DATA = path.resolve(root, '..', 'shared', 'data');

type Json = Record<string, unknown>;
type Row = Record<string, unknown>;

/** Runs tutorial.py once; every `@@ {json}` line it prints is one step's result. */
async function runTutorial(env: Record<string, string>): Promise<{ steps: Map<string, Json>; output: string }> {
  const child = spawn(PYTHON, [SCRIPT], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const steps = new Map<string, Json>();
  for (const line of output.split('\n')) {
    if (!line.startsWith('@@ ')) continue;
    const parsed = JSON.parse(line.slice(3)) as Json;
    steps.set(String(parsed.step), parsed);
  }
  if (code !== 0 && steps.size === 0) throw new Error(`tutorial.py exited with ${code}:\n${output.slice(-5000)}`);
  return { steps, output };
}

for (const backend of clientBackends('t_client')) {
  describe(`the real pzserver client (${backend.name})`, () => {
    let server: ApiProcess;
    let dataDir: string;
    let workDir: string;
    let steps: Map<string, Json>;
    let output: string;

    /** One step's result; a step that raised fails here with the client's traceback. */
    const step = (name: string): Json => {
      const result = steps.get(name);
      if (!result) throw new Error(`tutorial.py printed no result for "${name}":\n${output.slice(-5000)}`);
      if (result.error) throw new Error(`${name} raised ${String(result.error)}\n${String(result.trace)}`);
      return result;
    };
    const ids = () => steps.get('ids') as { csv: number; fits: number; hdf5: number; second: number };

    beforeAll(async () => {
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-client-'));
      workDir = mkdtempSync(path.join(os.tmpdir(), 'pz-client-work-'));
      server = await spawnApiProcess({ env: { DATA_DIR: dataDir, EVENTSTORE_URL: '', LOG_LEVEL: 'warn', ...backend.env }, startupMs: 120_000 });
      await server.ready;
      const [owner, other] = [await signUpOverHttp(server.origin, 'notebook'), await signUpOverHttp(server.origin, 'neighbour')];
      ({ steps, output } = await runTutorial({ PZ_HOST: `${server.origin}/api/`, PZ_TOKEN: owner, PZ_OTHER_TOKEN: other, PZ_WORK: workDir, PZ_DATA: DATA }));
    }, 300_000);

    afterAll(async () => {
      await server?.stop();
      await backend.drop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(workDir, { recursive: true, force: true });
    });

    // ---- the tutorial, in its order -------------------------------------------------------------

    it('PzServer(token, host) connects, and a bad token stops it with the server\'s 401', () => {
      expect(step('connect').ok).toBe(true);
      expect(step('connect').bad_token_refused).toMatch(/Status code 401: .*Invalid token/);
    });

    it('get_product_types / display_product_types: the seven types, in order', () => {
      const names = ['redshift_catalog', 'training_set', 'training_results', 'validation_results', 'photoz_estimates', 'object_catalog', 'other'];
      expect((step('get_product_types').types as Row[]).map((t) => t.name)).toEqual(names);
      const shown = step('display_product_types');
      expect(shown.columns).toEqual(['Product Type', 'product_type', 'Description']);
      expect((shown.rows as Row[])[0]).toMatchObject({ 'Product Type': 'Reference Redshift Catalog', product_type: 'redshift_catalog' });
    });

    it('get_releases / display_releases: DP1', () => {
      expect(step('get_releases').releases).toEqual([expect.objectContaining({ name: 'DP1', display_name: 'LSST DP1' })]);
      expect(step('display_releases').rows).toEqual([{ Name: 'DP1', Release: 'LSST DP1', Description: expect.any(String) as string }]);
    });

    it('upload(name, product_type, main_file, release=None, auxiliary_files=[...]): product, main and auxiliary files, columns registered', () => {
      const upload = step('upload_csv');
      expect(upload.product_id).toBe(ids().csv);
      expect(upload.files_id).toEqual([expect.any(Number), expect.any(Number)]);
      expect(upload.columns).toEqual(['ID', 'RA', 'DEC', 'Z', 'ERR_Z', 'FLAG_DES']);
      expect(upload.str).toBe('Tutorial spec-z sample');
    });

    it('make_columns_association fills the required columns', () => {
      const association = step('make_columns_association');
      expect(association.before).toEqual({ success: false, message: "Required columns NOT filled: ['Dec', 'RA', 'z']" });
      expect(association.after).toEqual({ success: true, message: 'All required columns filled' });
    });

    it('save publishes the product (status 1)', () => {
      expect(step('save').product).toMatchObject({ id: ids().csv, status: 1, product_status: 'Published', release: null, pz_code: null, description: 'Uploaded by the real pzserver client', internal_name: `${ids().csv}_tutorial_specz_sample`, uploaded_by: 'notebook' });
    });

    it('FITS and HDF5 main files upload, register their columns and publish', () => {
      for (const name of ['upload_fits', 'upload_hdf5']) {
        expect(step(name).columns, name).toEqual(['ID', 'RA', 'DEC', 'Z', 'ERR_Z', 'FLAG_DES']);
      }
    });

    it('get_products_list with filters (type, release, product name, __or, internal_name, official_product)', () => {
      const { csv, fits, hdf5 } = ids();
      expect(step('get_products_list')).toMatchObject({
        all: [hdf5, fits, csv], by_type: [csv], by_release: [hdf5, fits], by_name: [fits], by_type_or: [hdf5, fits], by_internal_name: [csv], official: [hdf5, fits, csv],
      });
      expect(step('invalid_filter').raised).toMatch(/Invalid filter key was detected[\s\S]*product_type/);
    });

    it('search', () => {
      expect(step('search')).toMatchObject({ hdf5: [ids().hdf5], nothing: [] });
    });

    it('display_products_list shows the filtered products with the tutorial\'s columns', () => {
      const shown = step('display_products_list');
      expect(shown.columns).toEqual(['id', 'internal_name', 'product_name', 'product_type', 'release', 'uploaded_by', 'official_product', 'pz_code', 'description', 'created_at']);
      expect(shown.rows).toEqual([
        expect.objectContaining({ id: ids().hdf5, product_type: 'Objects Catalog', release: 'LSST DP1', pz_code: 'bpz' }),
        expect.objectContaining({ id: ids().fits, product_type: 'Training Set', release: 'LSST DP1' }),
      ]);
    });

    it('get_product_metadata by id and by internal_name, with the main file\'s columns and associations', () => {
      const metadata = step('get_product_metadata');
      expect(metadata.by_name_id).toBe(ids().csv);
      expect(metadata.by_text_id).toBe(ids().csv);
      const byId = metadata.by_id as Json;
      expect(byId).toMatchObject({ id: ids().csv, product_type_internal_name: 'redshift_catalog', is_owner: true });
      expect(byId.main_file).toMatchObject({
        name: 'upload_example.csv', extension: '.csv', n_rows: 10, delimiter: ',', has_header: true,
        columns: ['ID', 'RA', 'DEC', 'Z', 'ERR_Z', 'FLAG_DES'],
        columns_association: expect.arrayContaining([expect.objectContaining({ column_name: 'DEC', ucd: 'pos.eq.dec;meta.main', alias: 'Dec' })]) as unknown,
      });
    });

    it('display_product_metadata', () => {
      const shown = step('display_product_metadata');
      const rows = new Map((shown.rows as { key: string; value: unknown }[]).map((r) => [r.key, r.value]));
      expect(rows.get('product_name')).toBe('Tutorial spec-z sample');
      expect(rows.get('n_rows')).toBe(10);
      expect(rows.get('n_columns')).toBe(6);
      expect(rows.get('main_file')).toBe('upload_example.csv');
      expect(shown.shown_keys).toContain('pz_code');
    });

    it('download_product saves the zip (every file and the metadata) into the folder', () => {
      const download = step('download_product');
      expect(download.files).toEqual([`${ids().csv}_tutorial_specz_sample.zip`]);
      expect(download.members).toEqual(['product_metadata.yaml', 'upload_example.csv', 'upload_example.html']);
      expect(download.main_matches).toBe(true);
      expect(download.after_second).toEqual([`${ids().csv}_tutorial_specz_sample.zip`, `${ids().hdf5}_tutorial_hdf5_objects.zip`]);
    });

    it('get_product(...).to_pandas() for CSV, FITS and HDF5 products', () => {
      for (const name of ['get_product_csv', 'get_product_fits', 'get_product_hdf5']) {
        const table = step(name);
        expect({ name, rows: table.rows, columns: table.columns }).toEqual({ name, rows: 10, columns: ['ID', 'RA', 'DEC', 'Z', 'ERR_Z', 'FLAG_DES'] });
        expect(table.first).toMatchObject({ ID: 1037374, RA: 30.63617, Z: 0.161715 });
      }
    });

    it('get_product_object by id and by internal_name: attributes, main file, its info and files by role', () => {
      const product = step('get_product_object');
      expect(product.product_id).toBe(ids().csv);
      expect(product.by_name_id).toBe(ids().csv);
      expect(product.attributes).toMatchObject({ id: ids().csv, is_owner: true });
      expect(product.main_file).toMatchObject({ role_name: 'Main', name: 'upload_example.csv', can_delete: true });
      expect(product.main_file_info).toMatchObject({ n_rows: 10, columns: ['ID', 'RA', 'DEC', 'Z', 'ERR_Z', 'FLAG_DES'] });
      expect(product.auxiliary).toEqual(['upload_example.html']);
      expect(product.description_files).toEqual([]);
    });

    it('attach_auxiliary_file / attach_description_file, then remove_file (never the main file)', () => {
      expect(step('attach_files')).toMatchObject({
        auxiliary_now: ['upload_example.html', 'notes.txt'], description_now: ['README.md'],
        auxiliary_fresh: ['upload_example.html', 'notes.txt'], description_fresh: ['README.md'],
      });
      expect(step('remove_file')).toMatchObject({ auxiliary_fresh: ['upload_example.html'], main_refused: 'Cannot remove main file' });
    });

    it('update_description', () => {
      expect(step('update_description')).toMatchObject({ attribute: 'A new description, with *Markdown*', server: 'A new description, with *Markdown*' });
    });

    // ---- the rest of the public methods ---------------------------------------------------------

    it('get_users / display_users', () => {
      expect((step('get_users').users as Row[]).map((u) => u.username).sort()).toEqual(['neighbour', 'notebook']);
      expect(step('display_users').columns).toEqual(['GitHub Username', 'Name']);
    });

    it('transform_df: SpeczCatalog, TrainingSet, or the DataFrame itself', () => {
      expect(step('transform_df')).toMatchObject({ catalog: 'SpeczCatalog', training: 'TrainingSet', other: 'DataFrame' });
    });

    it('the upload object: system_columns, check_required_columns, save refused, reset_columns_association, add_auxiliary_file', () => {
      const rest = step('upload_object_rest');
      expect(rest.system_columns).toMatchObject({ ra: ['RA', 'pos.eq.ra;meta.main'], z: ['z', 'src.redshift'] });
      expect(rest.missing).toEqual({ success: false, message: "Required columns NOT filled: ['z']" });
      expect(rest.save_refused).toMatch(/RequiredColumnsException: Required columns NOT filled/);
      // The client resets only what it associated (RA, DEC); the server's suggestions for the
      // columns nobody chose stay, each with its confidence (issue 18).
      const afterReset = rest.after_reset as Row[];
      expect(afterReset.map((a) => a.column_name)).toEqual(['ID', 'Z', 'ERR_Z', 'FLAG_DES']);
      expect(afterReset.every((a) => typeof a.confidence === 'number')).toBe(true);
      expect(rest.aux_on_server).toEqual(['notes.txt']);
      expect(rest.status).toBe(1);
      expect((rest.associations as Row[]).map((a) => a.alias)).toEqual(['ID', 'RA', 'Dec', 'z', 'z_err', 'z_flag']);
    });

    it('another user sees the products but may not change or delete them', () => {
      const other = step('not_owner');
      expect(other.is_owner).toBe(false);
      expect(other.errors).toEqual({ update_description: 'You are not the owner of this product', attach_auxiliary_file: 'You are not the owner of this product', delete_product: 'You are not the owner of this product' });
      expect(other.sees).toEqual(expect.arrayContaining([ids().csv, ids().fits, ids().hdf5]));
    });

    it('delete_product: gone from the list, status 2', () => {
      expect(step('delete_product')).toMatchObject({ listed: false, status_after: 2, product_status_after: 'Deleted' });
    });

    it('an unknown product is "product not found" for metadata and the product object', () => {
      expect(step('product_not_found')).toMatchObject({ metadata: expect.stringMatching(/^product not found/), object: expect.stringMatching(/^product not found/) });
    });
  });
}
