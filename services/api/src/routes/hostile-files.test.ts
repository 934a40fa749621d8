import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { leaksCanary, writeHostileHdf5, type HostileHdf5Files, type HostileHdf5Name } from '@pz/tables/hdf5/hostile-hdf5-files';
import { attachMainFile, createProduct, httpClient } from '../registry/testing';
import { startTestServer, type TestServer } from '../testing';

// The review's critical finding: an HDF5 main file whose column is stored in (or links to)
// another file of the server. Through the API, as the attacker did: upload, registry, read_data.
for (const backend of testBackends()) {
  describe(`hostile HDF5 main files through the API (${backend.name})`, () => {
    let server: TestServer;
    let call: ReturnType<typeof httpClient>;
    let alice: { auth: string; userId: number };
    let files: HostileHdf5Files;

    beforeAll(async () => {
      [server, files] = await Promise.all([startTestServer(backend), writeHostileHdf5()]);
      call = httpClient(server);
      alice = await server.createUser('alice');
    }, 180_000);
    afterAll(async () => {
      await server.stop();
      await files.remove();
    });

    const attempt = async (type: string, name: HostileHdf5Name) => {
      const id = await createProduct(server, alice.auth, type);
      await attachMainFile(server, id, alice.userId, files.path(name));
      const registry = await call('POST', `/api/products/${id}/registry/`, alice.auth);
      const info = await call('GET', `/api/products/${id}/main_file_info/`, alice.auth);
      const data = await call('GET', `/api/products/${id}/read_data/?page_size=1000`, alice.auth);
      return { registry, info, data };
    };

    it.each(['efl.h5', 'extlink.h5', 'vds.h5', 'efl-nested.h5'] as const)(
      'a tabular product with %s fails registry with 422 TABLE_EXTERNAL_REFERENCE, and no answer carries the canary',
      async (name) => {
        const { registry, info, data } = await attempt('redshift_catalog', name);
        for (const answer of [registry, info, data]) expect(leaksCanary(answer.body, files.canary)).toBe(false);
        expect(registry.status).toBe(422);
        expect(registry.body).toMatchObject({ code: 'TABLE_EXTERNAL_REFERENCE' });
        expect(registry.body.detail).toMatch(/another file|virtual dataset/);
        expect(data.status).toBe(409);
      },
      60_000,
    );

    it('a free-format product with efl.h5 registers as a non-table: read_data says so, with no canary', async () => {
      const { registry, info, data } = await attempt('other', 'efl.h5');
      for (const answer of [registry, info, data]) expect(leaksCanary(answer.body, files.canary)).toBe(false);
      expect(registry.status).toBe(200);
      expect(info.body.main_file).toMatchObject({ format: 'binary', n_rows: null });
      expect(data.status).toBe(400);
      expect(data.body).toMatchObject({ code: 'NOT_A_TABLE' });
    }, 60_000);

    it('a decode failure on a later page is recorded once (by sha256) and answers later pages from the record', async () => {
      const id = await createProduct(server, alice.auth, 'redshift_catalog');
      await attachMainFile(server, id, alice.userId, files.path('late-corrupt.h5'));
      expect((await call('POST', `/api/products/${id}/registry/`, alice.auth)).status).toBe(200);
      const failing = await call('GET', `/api/products/${id}/read_data/?page=2&page_size=1000`, alice.auth);
      expect(failing.status).toBe(422);
      expect(failing.body).toMatchObject({ code: 'TABLE_UNREADABLE' });
      // Page 1 decodes fine, so a 422 for it can only come from the record.
      const first = await call('GET', `/api/products/${id}/read_data/?page=1&page_size=1000`, alice.auth);
      expect(first).toEqual(failing);
    }, 60_000);

    it('an 80 MB gzip chunk in a 161 KB file fails registry with 422 TABLE_LIMIT_EXCEEDED', async () => {
      const { registry } = await attempt('redshift_catalog', 'bigchunk.h5');
      expect(registry.status).toBe(422);
      expect(registry.body).toMatchObject({ code: 'TABLE_LIMIT_EXCEEDED' });
    }, 60_000);
  });
}
