import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { attachMainFile, createProduct, httpClient, type Json } from '../registry/testing';
import { startTestServer, type TestServer } from '../testing';

const tablesFixture = (name: string) => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../tables/fixtures', name);

for (const backend of testBackends()) {
  describe(`what registry keeps for previews (${backend.name})`, () => {
    let server: TestServer;
    let call: ReturnType<typeof httpClient>;
    let alice: { auth: string; userId: number };
    let scratch: string;

    const registered = async (file: string) => {
      const id = await createProduct(server, alice.auth, 'redshift_catalog');
      await attachMainFile(server, id, alice.userId, file);
      const registry = await call('GET', `/api/products/${id}/registry/`, alice.auth);
      expect(registry.status).toBe(200);
      const row = await server.deps.catalogue.selectFrom('product_registry').select('details').where('product_id', '=', id).executeTakeFirstOrThrow();
      return { id, details: row.details as unknown as Record<string, unknown> };
    };

    beforeAll(async () => {
      server = await startTestServer(backend);
      call = httpClient(server);
      alice = await server.createUser('alice');
      scratch = mkdtempSync(path.join(os.tmpdir(), 'pz-registry-derived-'));
    }, 180_000);
    afterAll(async () => {
      await server.stop();
      rmSync(scratch, { recursive: true, force: true });
    });

    it('keeps the table of an archive main file, so previews never open the archive again', async () => {
      const { id, details } = await registered(tablesFixture('table.zip'));
      expect(details).toMatchObject({ archive_member: 'export/catalog.csv', extracted_name: 'catalog.csv', extracted_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
      // With the archive's bytes out of reach, the preview still reads: it uses the kept member.
      const archive = await server.deps.catalogue.selectFrom('product_files').select('sha256').where('product_id', '=', id).executeTakeFirstOrThrow();
      const archivePath = await server.deps.blobs.localPath(archive.sha256);
      if (!archivePath.ok) throw new Error(archivePath.error.message);
      renameSync(archivePath.value, `${archivePath.value}.away`);
      try {
        const page = await call('GET', `/api/products/${id}/read_data/?page=3&page_size=5`, alice.auth);
        expect(page.status).toBe(200);
        expect(page.body.count).toBe(12);
        expect((page.body.results as Json[]).map((row) => row.id)).toEqual([11, 12]);
      } finally {
        renameSync(`${archivePath.value}.away`, archivePath.value);
      }
    });

    it('keeps a row index of a text table, and deep pages read the right rows', async () => {
      const file = path.join(scratch, 'deep.csv');
      writeFileSync(file, `id,ra,dec,z\n${Array.from({ length: 20_000 }, (_, i) => `${i},${i % 360}.5,-${i % 90}.25,0.${i}`).join('\n')}\n`);
      const { id, details } = await registered(file);
      expect(details[ 'row_index_sha256']).toMatch(/^[0-9a-f]{64}$/);
      const deep = await call('GET', `/api/products/${id}/read_data/?page=150&page_size=100`, alice.auth);
      expect(deep.status).toBe(200);
      expect(deep.body.count).toBe(20_000);
      const ids = (deep.body.results as Json[]).map((row) => row.id);
      expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => 14_900 + i));
      expect((deep.body.results as Json[])[0]).toEqual({ id: 14_900, ra: 140.5, dec: -50.25, z: 0.149 });
    });
  });
}
