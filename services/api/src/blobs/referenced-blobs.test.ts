import { createHash } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { attachMainFile, createProduct, httpClient } from '../registry/testing';
import { startTestServer, type TestServer } from '../testing';
import { referencedBlobHashes } from './referenced-blobs';

const tablesFixture = (name: string) => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../tables/fixtures', name);

for (const backend of testBackends()) {
  describe(`the blobs the ledger names, for the sweep (${backend.name})`, () => {
    let server: TestServer;
    let call: ReturnType<typeof httpClient>;
    let alice: { auth: string; userId: number };

    beforeAll(async () => {
      server = await startTestServer(backend);
      call = httpClient(server);
      alice = await server.createUser('alice');
    }, 180_000);
    afterAll(async () => server.stop());

    it('names uploads and what registry keeps from them (the extracted archive member): the sweep removes only a blob no event names', async () => {
      const id = await createProduct(server, alice.auth, 'redshift_catalog');
      await attachMainFile(server, id, alice.userId, tablesFixture('table.zip'));
      expect((await call('GET', `/api/products/${id}/registry/`, alice.auth)).status).toBe(200);
      const stray = Buffer.from('a blob whose upload was refused after its bytes arrived');
      const written = await server.deps.blobs.write(Readable.from([stray]));
      if (!written.ok) throw new Error(written.error.message);

      const named = await referencedBlobHashes(server.deps.store);
      const upload = await server.deps.catalogue.selectFrom('product_files').select('sha256').where('product_id', '=', id).executeTakeFirstOrThrow();
      const registry = await server.deps.catalogue.selectFrom('product_registry').select('details').where('product_id', '=', id).executeTakeFirstOrThrow();
      const extracted = (registry.details as unknown as Record<string, string>).extracted_sha256 ?? '';
      expect(named.has(upload.sha256)).toBe(true);
      expect(named.has(extracted)).toBe(true);
      expect(named.has(createHash('sha256').update(stray).digest('hex'))).toBe(false);

      const report = await server.deps.blobs.sweep({ isReferenced: (sha256) => named.has(sha256), blobOlderThanMs: 0 });
      expect(report.unreferenced.map((b) => b.sha256)).toEqual([written.value.sha256]);
      // The kept member is still there: previews read it.
      const page = await call('GET', `/api/products/${id}/read_data/?page=1&page_size=5`, alice.auth);
      expect(page.status).toBe(200);
      expect(page.body.count).toBe(12);
    });
  });
}
