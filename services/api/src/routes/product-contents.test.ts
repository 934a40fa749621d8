import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { attachMainFile, createProduct, httpClient, sharedData, type Json } from '../registry/testing';
import { startTestServer, type TestServer } from '../testing';

const TUTORIAL_CSV = sharedData('pzserver-tutorial', 'upload_example.csv');
const TUTORIAL_COLUMNS = ['ID', 'RA', 'DEC', 'Z', 'ERR_Z', 'FLAG_DES'];

for (const backend of testBackends()) {
  describe(`product-contents API (${backend.name})`, () => {
    let server: TestServer;
    let call: ReturnType<typeof httpClient>;
    let alice: { auth: string; userId: number };
    let bob: { auth: string; userId: number };
    let admin: { auth: string; userId: number };

    /** A registered tutorial catalog of alice's: its id and its columns' ids by name. */
    const tutorialProduct = async () => {
      const id = await createProduct(server, alice.auth, 'redshift_catalog');
      await attachMainFile(server, id, alice.userId, TUTORIAL_CSV);
      const registry = await call('GET', `/api/products/${id}/registry/`, alice.auth);
      if (registry.status !== 200) throw new Error(JSON.stringify(registry.body));
      const list = await call('GET', `/api/product-contents/?product=${id}`, alice.auth);
      return { id, column: new Map((list.body.results as Json[]).map((c) => [c.column_name as string, c.id as number])) };
    };
    const patch = (contentId: number | undefined, body: Json | URLSearchParams, auth = alice.auth) => call('PATCH', `/api/product-contents/${contentId}/`, auth, body);

    beforeAll(async () => {
      server = await startTestServer(backend);
      call = httpClient(server);
      alice = await server.createUser('alice');
      bob = await server.createUser('bob');
      admin = await server.createUser('curator', { admin: true });
    });
    afterAll(async () => server.stop());

    it('lists the columns of one product in file order, paginated, with id and reverse orderings', async () => {
      const { id } = await tutorialProduct();
      await tutorialProduct();
      const list = await call('GET', `/api/product-contents/?product=${id}`, bob.auth);
      expect(list.status).toBe(200);
      expect(list.body.count).toBe(6);
      expect((list.body.results as Json[]).map((c) => c.column_name)).toEqual(TUTORIAL_COLUMNS);
      expect(Object.keys((list.body.results as Json[])[0] ?? {}).sort()).toEqual(['alias', 'column_name', 'confidence', 'description', 'file_ucd', 'id', 'order', 'product', 'type', 'ucd', 'unit']);

      const reversed = await call('GET', `/api/product-contents/?product_id=${id}&ordering=-order`, alice.auth);
      expect((reversed.body.results as Json[]).map((c) => c.column_name)).toEqual([...TUTORIAL_COLUMNS].reverse());
      const byId = await call('GET', `/api/product-contents/?product=${id}&ordering=-id`, alice.auth);
      const ids = (byId.body.results as Json[]).map((c) => c.id as number);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));

      const page = await call('GET', `/api/product-contents/?product=${id}&page=2&page_size=4`, alice.auth);
      expect(page.body.count).toBe(6);
      expect((page.body.results as Json[]).map((c) => c.column_name)).toEqual(['ERR_Z', 'FLAG_DES']);
      const everything = await call('GET', '/api/product-contents/?page_size=1000', alice.auth);
      expect(everything.body.count).toBeGreaterThanOrEqual(12);

      expect((await call('GET', '/api/product-contents/?ordering=column_name', alice.auth)).status).toBe(400);
      expect((await call('GET', '/api/product-contents/?product=abc', alice.auth)).status).toBe(400);
      expect((await call('GET', '/api/product-contents/', null)).status).toBe(401);
      const options = await call('OPTIONS', '/api/product-contents/', alice.auth);
      expect((options.body.filter_classes as Json[]).map((f) => f.name)).toEqual(['id', 'product', 'product_id']);
    });

    it('retrieves one column, and hides the columns of deleted products from other users', async () => {
      const { id, column } = await tutorialProduct();
      const one = await call('GET', `/api/product-contents/${column.get('Z')}/`, bob.auth);
      expect(one.status).toBe(200);
      // Registry suggested the role: pre-filled, with the suggester's confidence.
      expect(one.body).toEqual({ id: column.get('Z'), product: id, column_name: 'Z', ucd: 'src.redshift', order: 3, alias: 'z', confidence: expect.any(Number), type: 'float', unit: null, file_ucd: null, description: null });
      expect((await call('GET', '/api/product-contents/99999999/', alice.auth)).status).toBe(404);

      expect((await call('DELETE', `/api/products/${id}/`, alice.auth)).status).toBe(204);
      expect((await call('GET', `/api/product-contents/${column.get('Z')}/`, bob.auth)).status).toBe(404);
      expect((await call('GET', `/api/product-contents/?product=${id}`, bob.auth)).body.count).toBe(0);
      expect((await call('GET', `/api/product-contents/?product=${id}`, alice.auth)).body.count).toBe(6);
      expect((await patch(column.get('Z'), { alias: 'z' })).status).toBe(409);
    });

    it('sets the UCD from a form-encoded alias and the alias from a JSON UCD, as the pzserver client sends them', async () => {
      const { id, column } = await tutorialProduct();
      const ra = await patch(column.get('RA'), new URLSearchParams({ alias: 'RA' }));
      expect(ra.status).toBe(200);
      expect(ra.body).toMatchObject({ id: column.get('RA'), product: id, column_name: 'RA', ucd: 'pos.eq.ra;meta.main', order: 1, alias: 'RA', confidence: null });
      const dec = await patch(column.get('DEC'), { ucd: 'pos.eq.dec;meta.main' });
      expect(dec.body).toMatchObject({ alias: 'Dec', ucd: 'pos.eq.dec;meta.main' });
      const both = await patch(column.get('Z'), new URLSearchParams({ ucd: 'src.redshift', alias: 'z' }));
      expect(both.body).toMatchObject({ alias: 'z', ucd: 'src.redshift' });
      const relaxed = await patch(column.get('ERR_Z'), { alias: 'Z_ERR' });
      expect(relaxed.body).toMatchObject({ alias: 'z_err', ucd: 'stat.error;src.redshift' });
      const custom = await patch(column.get('FLAG_DES'), { ucd: 'meta.code.qual' });
      expect(custom.body).toMatchObject({ alias: null, ucd: 'meta.code.qual' });

      const info = await call('GET', `/api/products/${id}/main_file_info/`, alice.auth);
      expect((info.body.main_file as Json).associated_columns).toEqual([
        { column_name: 'ID', ucd: 'meta.id;meta.main', alias: 'ID', confidence: expect.any(Number) },
        { column_name: 'RA', ucd: 'pos.eq.ra;meta.main', alias: 'RA', confidence: null },
        { column_name: 'DEC', ucd: 'pos.eq.dec;meta.main', alias: 'Dec', confidence: null },
        { column_name: 'Z', ucd: 'src.redshift', alias: 'z', confidence: null },
        { column_name: 'ERR_Z', ucd: 'stat.error;src.redshift', alias: 'z_err', confidence: null },
        { column_name: 'FLAG_DES', ucd: 'meta.code.qual', alias: null, confidence: null },
      ]);
    });

    it('clears associations with empty values, and a role UCD goes with its alias', async () => {
      const { column } = await tutorialProduct();
      await patch(column.get('RA'), { alias: 'RA' });
      expect((await patch(column.get('RA'), new URLSearchParams({ alias: '' }))).body).toMatchObject({ alias: null, ucd: null });
      await patch(column.get('Z'), { alias: 'z' });
      expect((await patch(column.get('Z'), { ucd: null })).body).toMatchObject({ alias: null, ucd: null });
      await patch(column.get('FLAG_DES'), { ucd: 'meta.code.qual' });
      expect((await patch(column.get('FLAG_DES'), { alias: '' })).body).toMatchObject({ alias: null, ucd: 'meta.code.qual' });
      expect((await patch(column.get('FLAG_DES'), { ucd: '', alias: '' })).body).toMatchObject({ alias: null, ucd: null });
    });

    it('refuses unknown roles, inconsistent UCDs, a role given twice and empty requests', async () => {
      const { column } = await tutorialProduct();
      const unknown = await patch(column.get('RA'), new URLSearchParams({ alias: 'right_ascension' }));
      expect(unknown.status).toBe(400);
      expect(unknown.body).toMatchObject({ field: 'alias', detail: expect.stringContaining('ID, RA, Dec, z, z_err, z_flag, survey') });
      const mismatch = await patch(column.get('RA'), { alias: 'RA', ucd: 'src.redshift' });
      expect(mismatch.status).toBe(400);
      expect(mismatch.body.field).toBe('ucd');
      expect((await patch(column.get('RA'), { ucd: 'not a ucd!' })).status).toBe(400);
      expect((await patch(column.get('RA'), {})).status).toBe(400);
      // An unknown field is ignored (issue 15: as DRF does) and not stored.
      const coloured = await patch(column.get('RA'), { alias: 'RA', colour: 'red' });
      expect(coloured.status).toBe(200);
      expect(coloured.body).not.toHaveProperty('colour');

      expect((await patch(column.get('RA'), { alias: 'RA' })).status).toBe(200);
      const twice = await patch(column.get('DEC'), { alias: 'RA' });
      expect(twice.status).toBe(400);
      expect(twice.body.detail).toMatch(/already given to column "RA"/);
      const unchanged = await call('GET', `/api/product-contents/${column.get('DEC')}/`, alice.auth);
      expect(unchanged.body).toMatchObject({ alias: 'Dec', ucd: 'pos.eq.dec;meta.main' });
    });

    it('lets only the owner or an admin change associations, and never creates or deletes columns', async () => {
      const { column } = await tutorialProduct();
      const denied = await patch(column.get('RA'), { alias: 'RA' }, bob.auth);
      expect(denied.status).toBe(403);
      expect(denied.body.error).toMatch(/owner/);
      expect((await call('GET', `/api/product-contents/${column.get('RA')}/`, alice.auth)).body).toMatchObject({ alias: 'RA', confidence: expect.any(Number) });
      expect((await patch(column.get('RA'), { alias: 'RA' }, admin.auth)).body).toMatchObject({ alias: 'RA' });

      expect((await call('POST', '/api/product-contents/', alice.auth, { column_name: 'x' })).status).toBe(405);
      expect((await call('PUT', `/api/product-contents/${column.get('RA')}/`, alice.auth, { alias: 'RA' })).status).toBe(405);
      expect((await call('DELETE', `/api/product-contents/${column.get('RA')}/`, alice.auth)).status).toBe(405);
      expect((await call('GET', `/api/product-contents/${column.get('RA')}/`, alice.auth)).status).toBe(200);
    });

    it('pre-fills the suggested roles of the real catalogs, moves a suggested role to the column the owner names, and keeps the owner\'s choices on a new registry', async () => {
      const expected: [string, Record<string, string>][] = [
        ['vvds_final_release_random_sample.parquet', { ID: 'NUM', RA: 'ALPHA', Dec: 'DELTA', z: 'Z', z_flag: 'ZFLAGS', survey: 'survey_name' }],
        ['2dflens_final_release_random_sample.parquet', { ID: 'unique_id', RA: 'RA', Dec: 'Dec', z: 'z', z_flag: 'qual', survey: 'survey_name' }],
        ['ozdes_dr2_random_sample.parquet', { ID: 'OzDES_ID', RA: 'Alpha_J2000', Dec: 'Delta_J2000', z: 'z', z_flag: 'qop', survey: 'survey_name' }],
      ];
      for (const [file, roles] of expected) {
        const id = await createProduct(server, alice.auth, 'redshift_catalog');
        await attachMainFile(server, id, alice.userId, sharedData('redshift-catalogs', file));
        expect((await call('GET', `/api/products/${id}/registry/`, alice.auth)).status).toBe(200);
        const results = (await call('GET', `/api/product-contents/?product=${id}&page_size=100`, alice.auth)).body.results as Json[];
        const aliased = Object.fromEntries(results.filter((c) => c.alias !== null).map((c) => [c.alias, c.column_name]));
        expect(aliased, file).toEqual(roles);
        for (const c of results.filter((r) => r.alias !== null)) expect(c.confidence).toBeGreaterThan(0.5);
        // A publish sees them: RA, Dec and z are mapped without a single PATCH.
        expect((await call('PATCH', `/api/products/${id}/`, alice.auth, { status: 1 })).status).toBe(200);
      }

      const { id, column } = await tutorialProduct();
      // The owner gives z to ERR_Z (it was suggested for Z: the suggestion gives way) and clears FLAG_DES.
      expect((await patch(column.get('ERR_Z'), { alias: 'z' })).body).toMatchObject({ alias: 'z', confidence: null });
      expect((await call('GET', `/api/product-contents/${column.get('Z')}/`, alice.auth)).body).toMatchObject({ alias: null, ucd: null, confidence: null });
      expect((await patch(column.get('FLAG_DES'), { alias: '' })).body).toMatchObject({ alias: null, ucd: null });
      expect((await call('GET', `/api/products/${id}/registry/`, alice.auth)).status).toBe(200);
      const again = (await call('GET', `/api/product-contents/?product=${id}`, alice.auth)).body.results as Json[];
      expect(again.map((c) => [c.column_name, c.alias])).toEqual([['ID', 'ID'], ['RA', 'RA'], ['DEC', 'Dec'], ['Z', null], ['ERR_Z', 'z'], ['FLAG_DES', null]]);
    });
  });
}
