import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { membersOf, syntheticCatalog, writeZip } from '@pz/tables/hats/hats-fixtures';
import { attachMainFile, createProduct, httpClient, sharedData, type Json } from '../registry/testing';
import { startTestServer, type TestServer } from '../testing';

for (const backend of testBackends()) {
  describe(`HATS, VOTable, qp and FITS units through registry, main_file_info, read_data and product-contents (${backend.name})`, () => {
    let server: TestServer;
    let call: ReturnType<typeof httpClient>;
    let alice: { auth: string; userId: number };
    let scratch: string;

    const fixture = (name: string) => fileURLToPath(new URL(`../../../tables/fixtures/${name}`, import.meta.url));
    const registered = async (file: string, type = 'redshift_catalog') => {
      const id = await createProduct(server, alice.auth, type);
      const fileId = await attachMainFile(server, id, alice.userId, file, { name: path.basename(file) });
      return { id, fileId, registry: await call('GET', `/api/products/${id}/registry/`, alice.auth) };
    };

    beforeAll(async () => {
      server = await startTestServer(backend);
      call = httpClient(server);
      alice = await server.createUser('alice');
      scratch = mkdtempSync(path.join(os.tmpdir(), 'pz-hats-api-'));
      writeZip(path.join(scratch, 'elaiss1oid_collection.zip'), membersOf(sharedData('hats', 'elaiss1oid_collection'), 'elaiss1oid_collection/'));
      writeZip(path.join(scratch, 'broken.zip'), syntheticCatalog('cat/', [{ order: 1, pixel: 5, rows: 4 }, { order: 2, pixel: 44, rows: 3 }], { skipPartition: 1 }));
      writeZip(path.join(scratch, 'margin_10arcs.zip'), membersOf(sharedData('hats', 'elaiss1oid_collection', 'margin_10arcs'), 'margin_10arcs/'));
      // The real collection without its margin catalog: collection.properties still names it.
      writeZip(path.join(scratch, 'marginless.zip'), membersOf(sharedData('hats', 'elaiss1oid_collection'), 'elaiss1oid_collection/').filter(([name]) => !name.includes('/margin_10arcs/')));
      writeZip(path.join(scratch, 'survey-vot.zip'), [['export/survey.vot', readFileSync(fixture('binary2.vot'))]]);
    }, 240_000);
    afterAll(async () => {
      await server.stop();
      rmSync(scratch, { recursive: true, force: true });
    });

    it('registers the real collection uploaded as a zip: rows from the properties, partitioning in main_file_info, roles suggested, rows paged', async () => {
      const { id, fileId, registry } = await registered(path.join(scratch, 'elaiss1oid_collection.zip'));
      expect(registry.status).toBe(200);
      // The download is the archive as uploaded, byte for byte.
      const content = await server.app.inject({ method: 'GET', url: `/api/product-files/${fileId}/content/`, headers: { authorization: alice.auth } });
      expect(content.statusCode).toBe(200);
      expect(content.rawPayload.equals(readFileSync(path.join(scratch, 'elaiss1oid_collection.zip')))).toBe(true);
      const info = (await call('GET', `/api/products/${id}/main_file_info/`, alice.auth)).body.main_file as Json;
      expect(info).toMatchObject({ format: 'hats', n_rows: 478, registry_error: null });
      expect(info.hats).toEqual({
        name: 'catalog', catalog_path: 'elaiss1oid_collection/catalog', collection: true, ra_column: 'RAdeg', dec_column: 'DEdeg',
        orders: [2], partition_count: 1, partitions: [{ order: 2, pixel: 138 }], partitions_truncated: false, margins: 'margin_10arcs',
        catalog_type: 'object', margin_threshold_arcsec: null, primary_catalog: null,
        catalogs: [
          { kind: 'main', path: 'elaiss1oid_collection/catalog', name: 'catalog', rows: 478, partition_count: 1, margin_threshold_arcsec: null, index_column: null },
          { kind: 'margin', path: 'elaiss1oid_collection/margin_10arcs', name: 'margin_10arcs', rows: 0, partition_count: 0, margin_threshold_arcsec: 10, index_column: null },
        ],
      });
      const columns = (await call('GET', `/api/product-contents/?product=${id}&page_size=1000`, alice.auth)).body.results as Json[];
      const byAlias = Object.fromEntries(columns.filter((c) => c.alias !== null).map((c) => [c.alias, c.column_name]));
      expect(byAlias).toMatchObject({ RA: 'RAdeg', Dec: 'DEdeg' });
      const page = await call('GET', `/api/products/${id}/read_data/?page=2&page_size=300`, alice.auth);
      expect(page.status).toBe(200);
      expect([page.body.count, (page.body.results as Json[]).length]).toEqual([478, 178]);
      // The preview header: each column with its type and association from the read model.
      expect((page.body.column_info as Json[])[2]).toEqual({ name: 'RAdeg', type: 'float64', unit: null, file_ucd: null, description: null, ucd: 'pos.eq.ra;meta.main', alias: 'RA' });
    }, 240_000);

    it('refuses a HATS zip whose listed partition is absent: 422 naming it, product failed, no columns half-registered', async () => {
      const { id, registry } = await registered(path.join(scratch, 'broken.zip'));
      expect(registry.status).toBe(422);
      expect(registry.body).toMatchObject({ code: 'TABLE_ARCHIVE_INVALID', detail: expect.stringContaining('cat/dataset/Norder=2/Dir=0/Npix=44.parquet') });
      expect((await call('GET', `/api/products/${id}/`, alice.auth)).body.status).toBe(9);
      expect((await call('GET', `/api/product-contents/?product=${id}`, alice.auth)).body.count).toBe(0);
    }, 240_000);

    it('registers the real margin catalog uploaded on its own: a margin of its primary catalog, no rows, its columns', async () => {
      const { id, registry } = await registered(path.join(scratch, 'margin_10arcs.zip'));
      expect(registry.status).toBe(200);
      const info = (await call('GET', `/api/products/${id}/main_file_info/`, alice.auth)).body.main_file as Json;
      expect(info).toMatchObject({ format: 'hats', n_rows: 0, registry_error: null });
      expect(info.hats).toMatchObject({ name: 'margin_10arcs', collection: false, catalog_type: 'margin', margin_threshold_arcsec: 10, primary_catalog: 'catalog', partition_count: 0, catalogs: [] });
      const columns = (await call('GET', `/api/product-contents/?product=${id}&page_size=1000`, alice.auth)).body.results as Json[];
      expect(columns.slice(0, 4).map((c) => c.column_name)).toEqual(['_healpix_29', 'XMMES1', 'RAdeg', 'DEdeg']);
      const page = await call('GET', `/api/products/${id}/read_data/?page_size=10`, alice.auth);
      expect([page.status, page.body.count, page.body.results]).toEqual([200, 0, []]);
    }, 240_000);

    it('refuses a collection whose named margin catalog is not in the archive: 422 naming it, nothing half-registered', async () => {
      const { id, registry } = await registered(path.join(scratch, 'marginless.zip'));
      expect(registry.status).toBe(422);
      expect(registry.body).toMatchObject({ code: 'TABLE_ARCHIVE_INVALID', detail: expect.stringContaining('"margin_10arcs"') });
      expect((await call('GET', `/api/products/${id}/`, alice.auth)).body.status).toBe(9);
      expect((await call('GET', `/api/product-contents/?product=${id}`, alice.auth)).body.count).toBe(0);
    }, 240_000);

    it('registers a zipped VOTable like a bare one: rows, units, UCDs, roles', async () => {
      const { id, registry } = await registered(path.join(scratch, 'survey-vot.zip'));
      expect(registry.status).toBe(200);
      const info = (await call('GET', `/api/products/${id}/main_file_info/`, alice.auth)).body.main_file as Json;
      expect(info).toMatchObject({ format: 'votable', n_rows: 7 });
      const columns = (await call('GET', `/api/product-contents/?product=${id}&page_size=100`, alice.auth)).body.results as Json[];
      expect(columns.find((c) => c.column_name === 'RAJ2000')).toMatchObject({ unit: 'deg', file_ucd: 'pos.eq.ra;meta.main', alias: 'RA' });
    }, 240_000);

    it('stores the units a FITS table gives (TUNITn) per column, returned by product-contents and read_data', async () => {
      const { id, registry } = await registered(fixture('bintable.fits'));
      expect(registry.status).toBe(200);
      const columns = (await call('GET', `/api/product-contents/?product=${id}&page_size=100`, alice.auth)).body.results as Json[];
      expect(columns.filter((c) => c.unit !== null).map((c) => [c.column_name, c.unit])).toEqual([['RA', 'deg'], ['DEC', 'deg']]);
      const page = await call('GET', `/api/products/${id}/read_data/?page_size=2`, alice.auth);
      expect((page.body.column_info as Json[]).find((c) => c.name === 'DEC')).toMatchObject({ unit: 'deg', type: 'float64', alias: 'Dec' });
    }, 240_000);

    it('registers a VOTable: units, UCDs and descriptions per column, roles suggested from the UCDs', async () => {
      const { id, registry } = await registered(fixture('binary2.vot'));
      expect(registry.status).toBe(200);
      const info = (await call('GET', `/api/products/${id}/main_file_info/`, alice.auth)).body.main_file as Json;
      expect(info).toMatchObject({ format: 'votable', n_rows: 7 });
      const columns = (await call('GET', `/api/product-contents/?product=${id}&page_size=100`, alice.auth)).body.results as Json[];
      expect(columns.find((c) => c.column_name === 'zsp')).toMatchObject({ file_ucd: 'src.redshift', description: 'Spectroscopic redshift', alias: 'z', ucd: 'src.redshift' });
      expect(columns.find((c) => c.column_name === 'RAJ2000')).toMatchObject({ unit: 'deg', alias: 'RA' });
      const page = await call('GET', `/api/products/${id}/read_data/?page_size=3`, alice.auth);
      expect([page.body.count, (page.body.results as Json[]).length]).toEqual([7, 3]);
    }, 240_000);

    it('registers a qp ensemble of photo-z PDFs, and refuses one that claims qp without data even for a free-format type', async () => {
      const { id, registry } = await registered(fixture('qp-hist.hdf5'), 'photoz_estimates');
      expect(registry.status).toBe(200);
      const info = (await call('GET', `/api/products/${id}/main_file_info/`, alice.auth)).body.main_file as Json;
      expect(info).toMatchObject({ format: 'qp', n_rows: 6 });
      expect(info.qp).toMatchObject({ parameterization: 'hist', parameterization_label: 'histogram', pdf_count: 6, grid_name: 'bins', point_estimates: ['zmean', 'zmode'] });
      expect((info.qp as Json).grid).toHaveLength(31);
      const page = await call('GET', `/api/products/${id}/read_data/?page_size=2`, alice.auth);
      expect(page.body.columns).toEqual(['zmean', 'zmode', 'pdfs']);

      const fake = await registered(fixture('qp-fake.hdf5'), 'photoz_estimates');
      expect(fake.registry.status).toBe(422);
      expect(fake.registry.body).toMatchObject({ code: 'TABLE_LAYOUT_BROKEN', detail: expect.stringContaining('no data group') });
      expect((await call('GET', `/api/products/${fake.id}/`, alice.auth)).body.status).toBe(9);
    }, 240_000);
  });
}
