import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { testBackends } from '@pz/database/testing';
import { signWithKeyring } from '../auth/keyring';
import { attachTestFile, hasPython, hasUnzip, inspectZip, registerTestColumns, unzipTest, type TestFile } from '../downloads/testing';
import { startTestServer, type TestServer } from '../testing';

type Json = Record<string, unknown>;
type User = { auth: string; userId: number };

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const catalogCsv = Buffer.from('ID,RA,DEC,Z\n1,10.5,-3.25,0.41\n2,11.0,-3.5,0.73\n');

for (const backend of testBackends()) {
  describe(`downloads API (${backend.name})`, () => {
    let server: TestServer;
    let alice: User;
    let bob: User;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pz-downloads-'));

    const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'HEAD', url: string, auth?: string, headers: Record<string, string> = {}, payload?: Json) => {
      const response = await server.app.inject({ method, url, payload, headers: { ...(auth ? { authorization: auth } : {}), ...headers } });
      const isJson = String(response.headers['content-type'] ?? '').startsWith('application/json');
      return { status: response.statusCode, body: (isJson ? JSON.parse(response.body) : {}) as Json, raw: response.rawPayload, headers: response.headers };
    };
    /** The path and query of an absolute link the API handed out (the test server is not listening). */
    const local = (url: unknown) => {
      expect(String(url)).toMatch(/^http:\/\/pz\.test\/api\//);
      return String(url).slice('http://pz.test'.length);
    };

    const productWith = async (owner: User, displayName: string, files: readonly TestFile[]) => {
      const created = await call('POST', '/api/products/', owner.auth, {}, { display_name: displayName, product_type: 'redshift_catalog', description: 'for downloads' });
      expect(created.status).toBe(201);
      const id = created.body.id as number;
      const fileIds: number[] = [];
      for (const file of files) fileIds.push(await attachTestFile(server.deps, id, owner.userId, file));
      return { id, internalName: String(created.body.internal_name), fileIds };
    };

    const readZip = async (bytes: Buffer) => {
      const file = path.join(dir, `${randomBytes(6).toString('hex')}.zip`);
      writeFileSync(file, bytes);
      if (hasUnzip) expect(await unzipTest(file)).toMatch(/No errors detected/);
      return inspectZip(file);
    };

    const files: TestFile[] = [
      { name: 'catalog.csv', role: 0, content: catalogCsv, mimeType: 'text/csv' },
      { name: 'notes.txt', role: 2, content: Buffer.from('first notes\n'), mimeType: 'text/plain' },
      { name: 'NOTES.txt', role: 2, content: Buffer.from('second notes, same name ignoring case\n'), mimeType: 'text/plain' },
      { name: '../../escape/readme.md', role: 1, content: Buffer.from('# readme\n'), mimeType: 'text/markdown' },
      { name: 'product_metadata.yaml', role: 2, content: Buffer.from('not: ours\n'), mimeType: 'application/yaml' },
      { name: 'noise.bin', role: 2, content: randomBytes(200_000) },
    ];

    beforeAll(async () => {
      server = await startTestServer(backend);
      alice = await server.createUser('alice');
      bob = await server.createUser('bob');
    });
    afterAll(async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('prepares a zip whose announced size and sha256 match, holding every file and the metadata (CRCs checked)', async () => {
      const p = await productWith(alice, 'Zip Me 01', files);
      await registerTestColumns(server.deps, p.id, alice.userId, p.fileIds[0] as number, ['ID', 'RA', 'DEC', 'Z'], {
        RA: { alias: 'RA', ucd: 'pos.eq.ra;meta.main' }, DEC: { alias: 'Dec', ucd: 'pos.eq.dec;meta.main' }, Z: { alias: 'z', ucd: 'src.redshift' },
      });
      expect((await call('POST', `/api/products/${p.id}/download/prepare/`)).status).toBe(401);
      const prepared = await call('POST', `/api/products/${p.id}/download/prepare/`, bob.auth);
      expect(prepared.status).toBe(200);
      expect(prepared.body).toMatchObject({ product: p.id, status: 'ready', filename: `${p.internalName}.zip`, progress: 1 });
      expect(Date.parse(String(prepared.body.expires_at)) - Date.now()).toBeGreaterThan(14 * 60_000);

      const download = await call('GET', local(prepared.body.download_url));
      expect(download.status).toBe(200);
      expect(download.headers['content-type']).toBe('application/zip');
      expect(download.headers['content-disposition']).toBe(`attachment; filename=${p.internalName}.zip`);
      expect(download.headers['accept-ranges']).toBe('bytes');
      expect(Number(download.headers['content-length'])).toBe(prepared.body.size);
      expect(download.raw.length).toBe(prepared.body.size);
      expect(sha256(download.raw)).toBe(prepared.body.checksum);

      if (!hasPython) return;
      const entries = await readZip(download.raw);
      expect(entries.map((e) => e.name)).toEqual(['product_metadata.yaml', 'catalog.csv', 'readme.md', 'notes.txt', 'NOTES (2).txt', 'product_metadata (2).yaml', 'noise.bin']);
      const byName = new Map(entries.map((e) => [e.name, e]));
      const archived: [string, TestFile][] = [['catalog.csv', files[0]!], ['notes.txt', files[1]!], ['NOTES (2).txt', files[2]!], ['readme.md', files[3]!], ['product_metadata (2).yaml', files[4]!], ['noise.bin', files[5]!]];
      for (const [name, file] of archived) {
        expect(byName.get(name), name).toMatchObject({ method: 0, size: file.content.length, crc32: crc32(file.content), sha256: sha256(file.content) });
      }

      const metadata = parse(String(byName.get('product_metadata.yaml')?.content)) as Json;
      expect(metadata).toMatchObject({ id: p.id, internal_name: p.internalName, display_name: 'Zip Me 01', product_type_internal_name: 'redshift_catalog', uploaded_by: 'alice', description: 'for downloads' });
      expect(metadata).not.toHaveProperty('is_owner');
      expect(metadata.main_file).toMatchObject({ name: 'catalog.csv', archive_name: 'catalog.csv', role: 0, role_name: 'main', size: catalogCsv.length, sha256: sha256(catalogCsv), n_rows: 2 });
      expect(metadata.associated_columns).toEqual([
        { column_name: 'RA', ucd: 'pos.eq.ra;meta.main', alias: 'RA' },
        { column_name: 'DEC', ucd: 'pos.eq.dec;meta.main', alias: 'Dec' },
        { column_name: 'Z', ucd: 'src.redshift', alias: 'z' },
      ]);
      const attached = metadata.attach_files as Json[];
      expect(attached.map((f) => [f.name, f.archive_name, f.role_name])).toEqual([
        ['../../escape/readme.md', 'readme.md', 'description'], ['notes.txt', 'notes.txt', 'auxiliary'], ['NOTES.txt', 'NOTES (2).txt', 'auxiliary'],
        ['product_metadata.yaml', 'product_metadata (2).yaml', 'auxiliary'], ['noise.bin', 'noise.bin', 'auxiliary'],
      ]);
      expect(attached[4]).toMatchObject({ size: 200_000, sha256: sha256(files[5]!.content) });

      const status = await call('GET', `/api/products/${p.id}/download/status/`, alice.auth);
      expect(status.status).toBe(200);
      expect(status.body).toMatchObject({ id: prepared.body.id, status: 'ready', checksum: prepared.body.checksum, size: prepared.body.size });
    });

    it('serves exactly the requested byte range (206), 416 past the end, the whole zip when If-Range no longer matches, headers alone for HEAD', async () => {
      const p = await productWith(alice, 'Ranged', files.slice(0, 2));
      const prepared = await call('POST', `/api/products/${p.id}/download/prepare/`, alice.auth);
      const url = local(prepared.body.download_url);
      const whole = (await call('GET', url)).raw;
      const size = whole.length;
      for (const [header, start, end] of [['bytes=10-99', 10, 99], ['bytes=0-0', 0, 0], [`bytes=${size - 1}-`, size - 1, size - 1], ['bytes=-22', size - 22, size - 1], [`bytes=40-${size + 1000}`, 40, size - 1]] as const) {
        const part = await call('GET', url, undefined, { range: header });
        expect(part.status, header).toBe(206);
        expect(part.headers['content-range']).toBe(`bytes ${start}-${end}/${size}`);
        expect(Number(part.headers['content-length'])).toBe(end - start + 1);
        expect(part.raw.equals(whole.subarray(start, end + 1)), header).toBe(true);
      }
      expect((await call('GET', url, undefined, { range: 'bytes=-22' })).raw.readUInt32LE(0)).toBe(0x06054b50);
      const beyond = await call('GET', url, undefined, { range: `bytes=${size}-` });
      expect(beyond.status).toBe(416);
      expect(beyond.headers['content-range']).toBe(`bytes */${size}`);
      expect(String(beyond.body.detail)).toMatch(/outside the \d+ bytes/);
      const etag = String((await call('GET', url)).headers.etag);
      expect(etag).toBe(`"${prepared.body.id}"`);
      expect((await call('GET', url, undefined, { range: 'bytes=0-9', 'if-range': etag })).status).toBe(206);
      const stale = await call('GET', url, undefined, { range: 'bytes=0-9', 'if-range': '"an older version"' });
      expect(stale.status).toBe(200);
      expect(stale.raw.equals(whole)).toBe(true);
      const reads = vi.spyOn(server.deps.blobs, 'openReader');
      try {
        const head = await call('HEAD', url);
        expect(head.status).toBe(200);
        expect(Number(head.headers['content-length'])).toBe(size);
        expect(head.raw.length).toBe(0);
        // Fastify drains a stream given to a HEAD reply after answering; leave it time to do so.
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(reads).not.toHaveBeenCalled();
        // ...while a GET does read the blobs through the spied method.
        expect((await call('GET', url)).status).toBe(200);
        expect(reads).toHaveBeenCalled();
      } finally {
        reads.mockRestore();
      }
    });

    it('refuses missing, tampered, expired, misdirected and outdated tokens with 403 and says which', async () => {
      const p = await productWith(alice, 'Guarded', files.slice(0, 1));
      const other = await productWith(alice, 'Other', files.slice(1, 2));
      const prepared = await call('POST', `/api/products/${p.id}/download/prepare/`, alice.auth);
      const url = local(prepared.body.download_url);
      const token = new URL(String(prepared.body.download_url)).searchParams.get('token') as string;
      const base = `/api/products/${p.id}/download/file/`;
      expect((await call('GET', url)).status).toBe(200);

      const missing = await call('GET', base);
      expect(missing.status).toBe(403);
      expect(missing.body.detail).toMatch(/Missing download token/);
      const [kid, body, mac] = token.split('.') as [string, string, string];
      const flipped = `${kid}.${body}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`;
      expect((await call('GET', `${base}?token=${flipped}`)).body.detail).toBe('Invalid download token.');
      const forged = JSON.parse(Buffer.from(body, 'base64url').toString()) as Json;
      const reused = `${kid}.${Buffer.from(JSON.stringify({ ...forged, exp: Date.now() + 3_600_000 })).toString('base64url')}.${mac}`;
      expect((await call('GET', `${base}?token=${reused}`)).status).toBe(403);
      const expired = signWithKeyring(server.deps.keyring, { ...(forged as Record<string, string | number>), exp: Date.now() - 1000 });
      const late = await call('GET', `${base}?token=${encodeURIComponent(expired)}`);
      expect(late.status).toBe(403);
      expect(late.body.detail).toMatch(/expired/);
      const elsewhere = await call('GET', `/api/products/${other.id}/download/file/?token=${encodeURIComponent(token)}`);
      expect(elsewhere.status).toBe(403);
      expect(elsewhere.body.detail).toMatch(/another download/);
      expect((await call('GET', `/api/products/${p.id}/download/main-file/file/?token=${encodeURIComponent(token)}`)).status).toBe(403);

      expect((await call('PATCH', `/api/products/${p.id}/`, alice.auth, {}, { description: 'edited after prepare' })).status).toBe(200);
      const outdated = await call('GET', url);
      expect(outdated.status).toBe(403);
      expect(outdated.body.detail).toMatch(/changed since this download link was prepared/);
      const again = await call('POST', `/api/products/${p.id}/download/prepare/`, alice.auth);
      expect(again.body.checksum).not.toBe(prepared.body.checksum);
      const fresh = await call('GET', local(again.body.download_url));
      expect(fresh.status).toBe(200);
      if (hasPython) {
        const metadata = (await readZip(fresh.raw)).find((e) => e.name === 'product_metadata.yaml');
        expect((parse(String(metadata?.content)) as Json).description).toBe('edited after prepare');
      }
    });

    it('hides a deleted product\'s downloads from other users, and its old links stop working', async () => {
      const p = await productWith(alice, 'Soon Deleted', files.slice(0, 2));
      const before = await call('POST', `/api/products/${p.id}/download/prepare/`, bob.auth);
      expect(before.status).toBe(200);
      expect((await call('DELETE', `/api/products/${p.id}/`, alice.auth)).status).toBe(204);
      for (const [method, suffix] of [['POST', 'download/prepare/'], ['GET', 'download/status/'], ['GET', 'download/'], ['POST', 'download/main-file/prepare/'], ['GET', 'download_main_file/']] as const) {
        const r = await call(method, `/api/products/${p.id}/${suffix}`, bob.auth);
        expect(r.status, suffix).toBe(404);
        expect(r.body.detail).toBe(`product ${p.id} not found`);
      }
      expect((await call('GET', local(before.body.download_url))).status).toBe(404);
      const owner = await call('GET', `/api/products/${p.id}/download/`, alice.auth);
      expect(owner.status).toBe(200);
      expect(owner.headers['content-type']).toBe('application/zip');
    });

    it('downloads the main file alone through its own prepare/status/file trio and the client\'s download_main_file/', async () => {
      const p = await productWith(alice, 'Main Only', files.slice(0, 2));
      const prepared = await call('POST', `/api/products/${p.id}/download/main-file/prepare/`, bob.auth);
      expect(prepared.status).toBe(200);
      expect(prepared.body).toMatchObject({ id: sha256(catalogCsv), status: 'ready', filename: 'catalog.csv', size: catalogCsv.length, checksum: sha256(catalogCsv) });
      const status = await call('GET', `/api/products/${p.id}/download/main-file/status/`, bob.auth);
      expect(status.body).toMatchObject({ status: 'ready', checksum: sha256(catalogCsv) });
      const file = await call('GET', local(prepared.body.download_url));
      expect(file.status).toBe(200);
      expect(file.raw.equals(catalogCsv)).toBe(true);
      expect(file.headers['content-type']).toBe('text/csv');
      expect(file.headers['content-disposition']).toBe('attachment; filename=catalog.csv');
      const part = await call('GET', local(prepared.body.download_url), undefined, { range: 'bytes=3-10' });
      expect(part.status).toBe(206);
      expect(part.raw.equals(catalogCsv.subarray(3, 11))).toBe(true);
      expect((await call('GET', `/api/products/${p.id}/download/file/?token=${new URL(String(prepared.body.download_url)).searchParams.get('token')}`)).status).toBe(403);
      const legacy = await call('GET', `/api/products/${p.id}/download_main_file/`, bob.auth);
      expect(legacy.raw.equals(catalogCsv)).toBe(true);
      expect((await call('GET', `/api/products/${p.id}/download_main_file/`)).status).toBe(401);

      const without = await productWith(alice, 'No Main', files.slice(1, 2));
      const none = await call('POST', `/api/products/${without.id}/download/main-file/prepare/`, alice.auth);
      expect(none.status).toBe(404);
      expect(none.body.detail).toMatch(/has no main file/);
    });

    it('streams the same zip directly on the legacy route, for authenticated callers only', async () => {
      const p = await productWith(alice, 'Legacy Route', files.slice(0, 3));
      expect((await call('GET', `/api/products/${p.id}/download/`)).status).toBe(401);
      const legacy = await call('GET', `/api/products/${p.id}/download/`, bob.auth);
      expect(legacy.status).toBe(200);
      expect(legacy.headers['content-disposition']).toBe(`attachment; filename=${p.internalName}.zip`);
      const prepared = await call('POST', `/api/products/${p.id}/download/prepare/`, bob.auth);
      expect(sha256(legacy.raw)).toBe(prepared.body.checksum);
      const part = await call('GET', `/api/products/${p.id}/download/`, bob.auth, { range: 'bytes=5-50' });
      expect(part.raw.equals(legacy.raw.subarray(5, 51))).toBe(true);
    });

    it('computes the checksum of a larger zip in the background: status says 202 with progress, then 200 with the right sha256', async () => {
      const big = randomBytes(48 * 1024 * 1024);
      const p = await productWith(alice, 'Bigger', [{ name: 'big.bin', role: 0, content: big }]);
      const first = await call('GET', `/api/products/${p.id}/download/status/`, alice.auth);
      expect(first.status).toBe(202);
      expect(['pending', 'running']).toContain(first.body.status);
      expect(first.body).toMatchObject({ checksum: null });
      expect(first.body).not.toHaveProperty('download_url');
      let state = first;
      for (let i = 0; i < 200 && state.status === 202; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        state = await call('GET', `/api/products/${p.id}/download/status/`, alice.auth);
        expect(Number(state.body.progress)).toBeGreaterThanOrEqual(Number(first.body.progress));
      }
      expect(state.status).toBe(200);
      const zip = await call('GET', local(state.body.download_url));
      expect(sha256(zip.raw)).toBe(state.body.checksum);
    });
  });
}
