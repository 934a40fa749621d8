import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamName } from '@pz/contracts';
import { testBackends } from '@pz/database/testing';
import { productDecider } from '@pz/domain';
import { systemContext } from '../commands/command-context';
import { attachMainFile, createProduct, httpClient, sharedData, type Json } from '../registry/testing';
import { startTestServer, type TestServer } from '../testing';

const TUTORIAL_CSV = sharedData('pzserver-tutorial', 'upload_example.csv');
const SURVEYS = [
  { file: 'vvds_final_release_random_sample.parquet', columns: 29, ra: 'ALPHA', dec: 'DELTA', id: 'NUM' },
  { file: '2dflens_final_release_random_sample.parquet', columns: 14, ra: 'RA', dec: 'Dec', id: 'unique_id' },
  { file: 'ozdes_dr2_random_sample.parquet', columns: 10, ra: 'Alpha_J2000', dec: 'Delta_J2000', id: 'OzDES_ID' },
];
// pickle.dumps({'model': 'knn', 'k': [1, 2.5]}, protocol=4): what a training_results upload usually is.
const PICKLE = Buffer.from('80049526000000000000007d94288c056d6f64656c948c036b6e6e948c016b945d94284b0147400400000000000065752e', 'hex');

for (const backend of testBackends()) {
  describe(`registry, main_file_info and read_data (${backend.name})`, () => {
    let server: TestServer;
    let call: ReturnType<typeof httpClient>;
    let alice: { auth: string; userId: number };
    let bob: { auth: string; userId: number };
    let admin: { auth: string; userId: number };
    let scratch: string;

    const contentsOf = async (productId: number) => {
      const list = await call('GET', `/api/product-contents/?product=${productId}&ordering=order`, alice.auth);
      return list.body.results as Json[];
    };
    const scratchFile = (name: string, bytes: Buffer) => {
      const file = path.join(scratch, name);
      writeFileSync(file, bytes);
      return file;
    };
    const registered = async (type: string, file: string, options: { name?: string; stored?: boolean } = {}) => {
      const id = await createProduct(server, alice.auth, type);
      await attachMainFile(server, id, alice.userId, file, options);
      return { id, registry: await call('GET', `/api/products/${id}/registry/`, alice.auth) };
    };

    beforeAll(async () => {
      server = await startTestServer(backend);
      call = httpClient(server);
      alice = await server.createUser('alice');
      bob = await server.createUser('bob');
      admin = await server.createUser('curator', { admin: true });
      scratch = mkdtempSync(path.join(os.tmpdir(), 'pz-registry-test-'));
    });
    afterAll(async () => {
      await server.stop();
      rmSync(scratch, { recursive: true, force: true });
    });

    it('registers the tutorial CSV, refuses to publish until RA, Dec and z are mapped, then publishes', async () => {
      const { id, registry } = await registered('redshift_catalog', TUTORIAL_CSV);
      expect(registry.status).toBe(200);
      expect(registry.body).toMatchObject({ id, status: 0, product_type_internal_name: 'redshift_catalog' });

      const columns = await contentsOf(id);
      expect(columns.map((c) => c.column_name)).toEqual(['ID', 'RA', 'DEC', 'Z', 'ERR_Z', 'FLAG_DES']);
      expect(columns.map((c) => c.order)).toEqual([0, 1, 2, 3, 4, 5]);
      // Registry suggests each column's role: pre-filled, with a confidence, until the owner chooses.
      expect(columns.map((c) => [c.alias, c.ucd])).toEqual([
        ['ID', 'meta.id;meta.main'], ['RA', 'pos.eq.ra;meta.main'], ['Dec', 'pos.eq.dec;meta.main'], ['z', 'src.redshift'], ['z_err', 'stat.error;src.redshift'], ['z_flag', 'stat.rank'],
      ]);
      expect(columns.every((c) => c.product === id && typeof c.confidence === 'number')).toBe(true);

      // The owner refuses the suggested roles: publishing waits for them.
      for (const column of columns) await call('PATCH', `/api/product-contents/${column.id}/`, alice.auth, { alias: '', ucd: '' });
      const early = await call('PATCH', `/api/products/${id}/`, alice.auth, { status: 1 });
      expect(early.status).toBe(406);
      expect(early.body.detail).toMatch(/RA, Dec, z/);

      const byName = new Map(columns.map((c) => [c.column_name, c.id]));
      for (const [column, alias] of [['RA', 'RA'], ['DEC', 'Dec'], ['Z', 'z']] as const) {
        const mapped = await call('PATCH', `/api/product-contents/${byName.get(column)}/`, alice.auth, new URLSearchParams({ alias }));
        expect(mapped.status).toBe(200);
      }
      const published = await call('PATCH', `/api/products/${id}/`, alice.auth, { status: 1 });
      expect(published.status).toBe(200);
      expect(published.body).toMatchObject({ status: 1, product_status: 'Published' });
    });

    it('describes the CSV main file: rows, dialect, columns and associations', async () => {
      const { id } = await registered('redshift_catalog', TUTORIAL_CSV);
      const ra = (await contentsOf(id)).find((c) => c.column_name === 'RA');
      await call('PATCH', `/api/product-contents/${ra?.id}/`, alice.auth, { alias: 'RA' });
      const info = await call('GET', `/api/products/${id}/main_file_info/`, bob.auth);
      expect(info.status).toBe(200);
      expect(info.body).toMatchObject({ id, display_name: 'redshift_catalog sample', status: 0 });
      expect(info.body.main_file).toEqual({
        name: 'upload_example.csv', type: 'application/octet-stream', extension: '.csv', size: readFileSync(TUTORIAL_CSV).length,
        n_rows: 10, is_directory: false, format: 'csv', registry_error: null,
        associated_columns: [
          { column_name: 'ID', ucd: 'meta.id;meta.main', alias: 'ID', confidence: expect.any(Number) },
          { column_name: 'RA', ucd: 'pos.eq.ra;meta.main', alias: 'RA', confidence: null },
          { column_name: 'DEC', ucd: 'pos.eq.dec;meta.main', alias: 'Dec', confidence: expect.any(Number) },
          { column_name: 'Z', ucd: 'src.redshift', alias: 'z', confidence: expect.any(Number) },
          { column_name: 'ERR_Z', ucd: 'stat.error;src.redshift', alias: 'z_err', confidence: expect.any(Number) },
          { column_name: 'FLAG_DES', ucd: 'stat.rank', alias: 'z_flag', confidence: expect.any(Number) },
        ],
        delimiter: ',', has_header: true, columns: ['ID', 'RA', 'DEC', 'Z', 'ERR_Z', 'FLAG_DES'],
      });
    });

    it.each(SURVEYS)('registers the $file survey with its own column names', async (survey) => {
      const { id, registry } = await registered('redshift_catalog', sharedData('redshift-catalogs', survey.file));
      expect(registry.status).toBe(200);
      const names = (await contentsOf(id)).map((c) => c.column_name);
      expect(names).toHaveLength(survey.columns);
      expect(names).toEqual(expect.arrayContaining([survey.ra, survey.dec, survey.id, 'survey_name']));
      const info = await call('GET', `/api/products/${id}/main_file_info/`, alice.auth);
      expect(info.body.main_file).toMatchObject({ n_rows: 1000, format: 'parquet' });
      const suggested = ((info.body.main_file as Json).associated_columns as Json[]).filter((c) => c.alias !== null).map((c) => [c.alias, c.column_name]);
      expect(suggested).toEqual(expect.arrayContaining([['ID', survey.id], ['RA', survey.ra], ['Dec', survey.dec]]));
      expect(info.body.main_file).not.toHaveProperty('delimiter');
    });

    it('marks a tabular product failed (status 9) with the reason when its main file is a truncated Parquet', async () => {
      const whole = readFileSync(sharedData('redshift-catalogs', '2dflens_final_release_random_sample.parquet'));
      const truncated = scratchFile('truncated.parquet', whole.subarray(0, Math.floor(whole.length / 2)));
      const { id, registry } = await registered('redshift_catalog', truncated);
      expect(registry.status).toBe(422);
      expect(registry.body.code).toMatch(/^TABLE_/);
      expect(registry.body.detail).toMatch(/"truncated\.parquet" is not a readable table/);
      expect(registry.body.detail).toMatch(/status 9/);

      const product = await call('GET', `/api/products/${id}/`, alice.auth);
      expect(product.body).toMatchObject({ status: 9, product_status: 'Failed' });
      expect(await contentsOf(id)).toEqual([]);
      const info = await call('GET', `/api/products/${id}/main_file_info/`, alice.auth);
      expect(info.body.main_file).toMatchObject({ format: null, n_rows: null, registry_error: expect.stringContaining('truncated.parquet') });
      const data = await call('GET', `/api/products/${id}/read_data/`, alice.auth);
      expect(data.status).toBe(409);
      expect(data.body.code).toBe('REGISTRY_FAILED');
    });

    it('marks an object catalog of random bytes failed, and a readable replacement registers it again', async () => {
      const noise = scratchFile('objects.fits', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
      const { id, registry } = await registered('object_catalog', noise);
      expect(registry.status).toBe(422);
      expect((await call('GET', `/api/products/${id}/`, alice.auth)).body.status).toBe(9);

      const failed = await server.deps.bus.load(productDecider, streamName('product', id));
      const [badFile] = [...failed.state.files.keys()];
      const removed = await server.deps.bus.execute(productDecider, streamName('product', id), { type: 'RemoveProductFile', caller: { userId: alice.userId, isAdmin: false }, fileId: badFile as number }, systemContext(randomUUID()));
      expect(removed.ok).toBe(true);
      await attachMainFile(server, id, alice.userId, sharedData('redshift-catalogs', 'ozdes_dr2_random_sample.parquet'));
      const again = await call('POST', `/api/products/${id}/registry/`, alice.auth);
      expect(again.status).toBe(200);
      expect(again.body.status).toBe(0);
      expect(await contentsOf(id)).toHaveLength(10);
    });

    it('registers a pickle as training results with no columns', async () => {
      const { id, registry } = await registered('training_results', scratchFile('model.pkl', PICKLE));
      expect(registry.status).toBe(200);
      expect(registry.body.status).toBe(0);
      expect(await contentsOf(id)).toEqual([]);
      const info = await call('GET', `/api/products/${id}/main_file_info/`, alice.auth);
      expect(info.body.main_file).toMatchObject({ name: 'model.pkl', format: 'binary', n_rows: null, registry_error: null, associated_columns: [] });
      const data = await call('GET', `/api/products/${id}/read_data/`, alice.auth);
      expect(data.status).toBe(400);
      expect(data.body).toMatchObject({ code: 'NOT_A_TABLE', detail: expect.stringContaining('model.pkl') });
    });

    it('previews a readable table of a free-format type, and registers a metadata-only file without columns', async () => {
      const table = await registered('photoz_estimates', sharedData('redshift-catalogs', 'ozdes_dr2_random_sample.parquet'));
      expect(table.registry.status).toBe(200);
      expect(await contentsOf(table.id)).toHaveLength(10);

      const metadataOnly = await registered('photoz_estimates', TUTORIAL_CSV, { name: 'estimates.csv', stored: false });
      expect(metadataOnly.registry.status).toBe(200);
      expect(await contentsOf(metadataOnly.id)).toEqual([]);
      const info = await call('GET', `/api/products/${metadataOnly.id}/main_file_info/`, alice.auth);
      expect(info.body.main_file).toMatchObject({ format: 'unknown', n_rows: null });
      expect((await call('GET', `/api/products/${metadataOnly.id}/read_data/`, alice.auth)).status).toBe(400);
    });

    it('pages through the rows with read_data, and says when registry has not run', async () => {
      const id = await createProduct(server, alice.auth, 'redshift_catalog');
      await attachMainFile(server, id, alice.userId, TUTORIAL_CSV);
      const before = await call('GET', `/api/products/${id}/read_data/`, alice.auth);
      expect(before.status).toBe(409);
      expect(before.body).toMatchObject({ code: 'NOT_REGISTERED', detail: expect.stringContaining('registry') });

      await call('GET', `/api/products/${id}/registry/`, alice.auth);
      const last = await call('GET', `/api/products/${id}/read_data/?page=3&page_size=4`, bob.auth);
      expect(last.status).toBe(200);
      expect(last.body.count).toBe(10);
      expect(last.body.columns).toEqual(['ID', 'RA', 'DEC', 'Z', 'ERR_Z', 'FLAG_DES']);
      expect(last.body.results).toEqual([
        { ID: 1037702, RA: 31.04542, DEC: -9.21522, Z: 0.213864, ERR_Z: 99, FLAG_DES: 4 },
        { ID: 1037738, RA: 31.41742, DEC: -9.64570045471, Z: 0.189247, ERR_Z: 99, FLAG_DES: 4 },
      ]);
      const all = await call('GET', `/api/products/${id}/read_data/`, alice.auth);
      expect(all.body.results).toHaveLength(10);
      expect((await call('GET', `/api/products/${id}/read_data/?page_size=1001`, alice.auth)).status).toBe(400);
      expect((await call('GET', `/api/products/${id}/read_data/?page=0`, alice.auth)).status).toBe(400);

      const survey = await registered('redshift_catalog', sharedData('redshift-catalogs', 'vvds_final_release_random_sample.parquet'));
      const first = await call('GET', `/api/products/${survey.id}/read_data/?page_size=300`, alice.auth);
      const second = await call('GET', `/api/products/${survey.id}/read_data/?page=2&page_size=300`, alice.auth);
      const fourth = await call('GET', `/api/products/${survey.id}/read_data/?page=4&page_size=300`, alice.auth);
      expect([first.body.count, (first.body.results as Json[]).length, (second.body.results as Json[]).length, (fourth.body.results as Json[]).length]).toEqual([1000, 300, 300, 100]);
      const ids = [...(first.body.results as Json[]), ...(second.body.results as Json[])].map((r) => r.NUM);
      expect(new Set(ids).size).toBe(600);
    });

    it('keeps the ids and mappings of same-named columns when registry runs again', async () => {
      const { id } = await registered('redshift_catalog', TUTORIAL_CSV);
      const before = await contentsOf(id);
      const z = before.find((c) => c.column_name === 'Z');
      await call('PATCH', `/api/product-contents/${z?.id}/`, alice.auth, { alias: 'z' });
      const again = await call('GET', `/api/products/${id}/registry/`, alice.auth);
      expect(again.status).toBe(200);
      const after = await contentsOf(id);
      expect(after.map((c) => c.id)).toEqual(before.map((c) => c.id));
      expect(after.find((c) => c.column_name === 'Z')).toMatchObject({ id: z?.id, alias: 'z', ucd: 'src.redshift' });
      expect(after.find((c) => c.column_name === 'Z')?.confidence).toBeNull();
      expect(after.filter((c) => c.confidence !== null).map((c) => c.column_name)).toEqual(['ID', 'RA', 'DEC', 'ERR_Z', 'FLAG_DES']);
    });

    it('lets only the owner or an admin run registry, and needs a main file', async () => {
      const id = await createProduct(server, alice.auth, 'redshift_catalog');
      const none = await call('GET', `/api/products/${id}/registry/`, alice.auth);
      expect(none.status).toBe(400);
      expect(none.body).toMatchObject({ code: 'NO_MAIN_FILE', detail: expect.stringContaining('no main file') });
      expect((await call('GET', `/api/products/${id}/main_file_info/`, alice.auth)).status).toBe(400);

      await attachMainFile(server, id, alice.userId, TUTORIAL_CSV);
      expect((await server.app.inject({ method: 'HEAD', url: `/api/products/${id}/registry/`, headers: { authorization: alice.auth } })).statusCode).toBe(404);
      const denied = await call('GET', `/api/products/${id}/registry/`, bob.auth);
      expect(denied.status).toBe(403);
      expect(denied.body.error).toMatch(/owner/);
      expect(await contentsOf(id)).toEqual([]);
      expect((await call('GET', `/api/products/${id}/registry/`, null)).status).toBe(401);
      expect((await call('GET', '/api/products/999999/registry/', alice.auth)).status).toBe(404);

      const byAdmin = await call('POST', `/api/products/${id}/registry/`, admin.auth);
      expect(byAdmin.status).toBe(200);
      expect(byAdmin.body).toMatchObject({ is_owner: false, can_update: true });
      expect(await contentsOf(id)).toHaveLength(6);

      expect((await call('DELETE', `/api/products/${id}/`, alice.auth)).status).toBe(204);
      const deleted = await call('GET', `/api/products/${id}/registry/`, alice.auth);
      expect(deleted.status).toBe(409);
    });
  });
}
