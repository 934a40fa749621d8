import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamName } from '@pz/contracts';
import { testBackends } from '@pz/database/testing';
import { productDecider } from '@pz/domain';
import { systemContext } from '../commands/command-context';
import { multipartForm, type FormPart } from '../files/testing';
import { startTestServer, type TestServer } from '../testing';

type Json = Record<string, unknown>;
type User = { auth: string; userId: number };

const here = path.dirname(fileURLToPath(import.meta.url));
const tutorial = path.resolve(here, '../../../../../shared/data/pzserver-tutorial');
const CSV = readFileSync(path.join(tutorial, 'upload_example.csv'));
const HTML = readFileSync(path.join(tutorial, 'upload_example.html'));
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
/** Content no other test uploads, so blob-store assertions do not depend on test order. */
const unique = (size = 300): Buffer => Buffer.concat([Buffer.from(`id,z\n# ${randomBytes(8).toString('hex')}\n`), Buffer.alloc(size, 'x')]).subarray(0, size);

const fields = (product: number | string, role: number | string, file: { name: string; content: Buffer; type?: string }): FormPart[] => [
  { name: 'product', value: String(product) },
  { name: 'role', value: String(role) },
  ...(file.type ? [{ name: 'type', value: file.type }] : []),
  { name: 'file', filename: file.name, content: file.content },
];

/** Helpers bound to one running test server. */
function client(server: () => TestServer) {
  const call = async (method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH' | 'OPTIONS', url: string, auth?: string, payload?: Json, headers: Record<string, string> = {}) => {
    const response = await server().app.inject({ method, url, payload, headers: { ...(auth ? { authorization: auth } : {}), ...headers } });
    const body = response.body && response.headers['content-type']?.toString().startsWith('application/json') ? (JSON.parse(response.body) as Json) : {};
    return { status: response.statusCode, body, headers: response.headers };
  };
  const upload = async (auth: string | undefined, parts: FormPart[], headers: Record<string, string> = {}) => {
    const form = multipartForm(parts);
    const response = await server().app.inject({ method: 'POST', url: '/api/product-files/', payload: form.payload, headers: { ...form.headers, ...(auth ? { authorization: auth } : {}), ...headers } });
    return { status: response.statusCode, body: JSON.parse(response.body) as Json };
  };
  const createProduct = async (auth: string, productType = 'redshift_catalog', displayName = 'Files test') => {
    const created = await call('POST', '/api/products/', auth, { display_name: displayName, product_type: productType });
    expect(created.status).toBe(201);
    return created.body.id as number;
  };
  const content = (auth: string, id: unknown, headers: Record<string, string> = {}, query = '') =>
    server().app.inject({ method: 'GET', url: `/api/product-files/${String(id)}/content/${query}`, headers: { authorization: auth, ...headers } });
  const storedBlobs = async (): Promise<string[]> => {
    const all: string[] = [];
    for await (const sha of server().deps.blobs.list()) all.push(sha);
    return all.sort();
  };
  const attachedEvents = async (productId: number) =>
    (await server().deps.store.readStream(streamName('product', productId))).filter((e) => e.type === 'ProductFileAttached');
  return { call, upload, createProduct, content, storedBlobs, attachedEvents };
}

for (const backend of testBackends()) {
  describe(`product files API (${backend.name})`, () => {
    let server: TestServer;
    let alice: User;
    let bob: User;
    let admin: User;
    const { call, upload, createProduct, content, storedBlobs, attachedEvents } = client(() => server);

    beforeAll(async () => {
      server = await startTestServer(backend);
      alice = await server.createUser('alice');
      bob = await server.createUser('bob');
      admin = await server.createUser('coordinator', { admin: true });
    });
    afterAll(async () => server.stop());

    it('uploads the tutorial CSV as the main file and serves it back byte for byte', async () => {
      const product = await createProduct(alice.auth, 'redshift_catalog', 'Tutorial spec-z');
      const r = await upload(alice.auth, fields(product, 0, { name: 'upload_example.csv', content: CSV }));
      expect(r.status).toBe(201);
      const id = r.body.id as number;
      expect(r.body).toEqual({
        id, product, file: `http://pz.test/api/product-files/${id}/content/`, role: 0, role_name: 'Main', name: 'upload_example.csv', type: 'text/csv',
        size: CSV.length, n_rows: null, extension: '.csv', is_directory: false, created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        updated: expect.stringMatching(/Z$/), can_delete: true, sha256: sha256(CSV), stored: true,
      });
      const events = await attachedEvents(product);
      expect(events.map((e) => e.data)).toEqual([expect.objectContaining({ fileId: id, sha256: sha256(CSV), size: CSV.length, stored: true, name: 'upload_example.csv' })]);
      expect(await storedBlobs()).toContain(sha256(CSV));

      const raw = await content(alice.auth, id);
      expect(raw.statusCode).toBe(200);
      expect(raw.rawPayload.equals(CSV)).toBe(true);
      expect(raw.headers).toMatchObject({
        'content-type': 'text/csv', 'content-length': String(CSV.length), etag: `"${sha256(CSV)}"`, 'accept-ranges': 'bytes',
        'content-disposition': 'attachment; filename=upload_example.csv', 'content-security-policy': 'sandbox', 'x-content-type-options': 'nosniff',
      });
      const asBob = await call('GET', `/api/product-files/${id}/`, bob.auth);
      expect(asBob.body).toMatchObject({ id, can_delete: false });
      expect((await content(bob.auth, id)).rawPayload.equals(CSV)).toBe(true);
      expect((await call('GET', `/api/product-files/?product_id=${product}`, alice.auth)).body).toMatchObject({ count: 1, results: [{ id }] });
    });

    it('reports n_rows of the main file once the registry has counted them, null for other files', async () => {
      const product = await createProduct(alice.auth, 'redshift_catalog', 'Counted');
      const main = await upload(alice.auth, fields(product, 0, { name: 'upload_example.csv', content: CSV }));
      const aux = await upload(alice.auth, fields(product, 2, { name: 'notes.txt', content: unique() }));
      expect(main.body.n_rows).toBeNull();
      const rows = CSV.toString('utf8').trim().split('\n').length - 1;
      const registered = await server.deps.bus.execute(productDecider, streamName('product', product), {
        type: 'RegisterProductContents',
        caller: { userId: alice.userId, isAdmin: false },
        contents: { fileId: main.body.id as number, format: 'csv', nRows: rows, details: {}, columns: [{ name: 'ID', type: 'int64' }] },
        newColumnIds: await server.deps.allocateIds('column'),
      }, systemContext(randomUUID()));
      expect(registered.ok).toBe(true);
      const listed = await call('GET', `/api/product-files/?product_id=${product}`, alice.auth);
      expect((listed.body.results as Json[]).map((f) => [f.id, f.n_rows])).toEqual([[main.body.id, rows], [aux.body.id, null]]);
    });

    it('records the tutorial HTML as an auxiliary file and serves it sandboxed, inline only on request', async () => {
      const product = await createProduct(alice.auth, 'validation_results', 'With a report');
      const r = await upload(alice.auth, fields(product, 2, { name: 'upload_example.html', content: HTML }));
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ role: 2, role_name: 'Auxiliary', type: 'text/html', extension: '.html', size: HTML.length });

      const attachment = await content(alice.auth, r.body.id);
      expect(attachment.rawPayload.equals(HTML)).toBe(true);
      expect(attachment.headers).toMatchObject({
        'content-type': 'text/html', 'content-disposition': 'attachment; filename=upload_example.html', 'content-security-policy': 'sandbox',
        'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY',
      });
      const inline = await content(alice.auth, r.body.id, {}, '?inline=1');
      expect(inline.headers['content-disposition']).toBe('inline; filename=upload_example.html');
      expect(inline.headers['content-type']).toBe('text/html');
      const policy = String(inline.headers['content-security-policy']);
      expect(policy.split(';').map((d) => d.trim())).toEqual(['sandbox', "frame-ancestors 'self'"]);
      expect(policy).not.toContain('allow-scripts');
      expect(inline.headers['x-frame-options']).toBe('SAMEORIGIN');

      const csv = await upload(alice.auth, fields(product, 0, { name: 'metrics.csv', content: unique() }));
      const csvInline = await content(alice.auth, csv.body.id, {}, '?inline=1');
      expect(csvInline.headers['content-disposition']).toBe('attachment; filename=metrics.csv');
      expect(csvInline.headers['content-security-policy']).toBe('sandbox');
    });

    it('takes the MIME type from the type field, which may follow the file, else the part header, else the extension', async () => {
      const product = await createProduct(alice.auth, 'other', 'Typed files');
      const typeAfterFile = await upload(alice.auth, [...fields(product, 2, { name: 'notes.dat', content: unique() }), { name: 'type', value: 'text/x-notes; charset=utf-8' }]);
      expect(typeAfterFile.status).toBe(201);
      expect(typeAfterFile.body.type).toBe('text/x-notes');
      const partHeader = await upload(alice.auth, [{ name: 'product', value: String(product) }, { name: 'role', value: '2' }, { name: 'file', filename: 'blob.bin', content: unique(), contentType: 'application/x-hdf5' }]);
      expect(partHeader.body.type).toBe('application/x-hdf5');
      const unknown = await upload(alice.auth, fields(product, 2, { name: 'README', content: unique() }));
      expect(unknown.body).toMatchObject({ type: 'application/octet-stream', extension: '' });
    });

    it('stores identical content once, whichever product it belongs to', async () => {
      const bytes = unique(2000);
      const before = await storedBlobs();
      const first = await upload(alice.auth, fields(await createProduct(alice.auth), 0, { name: 'a.csv', content: bytes }));
      const second = await upload(bob.auth, fields(await createProduct(bob.auth), 0, { name: 'b.csv', content: bytes }));
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(second.body.id).not.toBe(first.body.id);
      expect(second.body.sha256).toBe(first.body.sha256);
      const after = await storedBlobs();
      expect(after.filter((sha) => !before.includes(sha))).toEqual([sha256(bytes)]);
      expect((await content(bob.auth, second.body.id)).rawPayload.equals(bytes)).toBe(true);
    });

    it('lets only the owner add files (401 anonymous, 403 another user or an admin, 404 unknown product) and keeps nothing refused', async () => {
      const product = await createProduct(alice.auth);
      const bytes = unique();
      const anonymous = await upload(undefined, fields(product, 0, { name: 'x.csv', content: bytes }));
      expect(anonymous.status).toBe(401);
      const asBob = await upload(bob.auth, fields(product, 0, { name: 'x.csv', content: bytes }));
      expect(asBob.status).toBe(403);
      expect(asBob.body.detail).toMatch(/only the owner/);
      expect((await upload(admin.auth, fields(product, 0, { name: 'x.csv', content: bytes }))).status).toBe(403);
      const missing = await upload(alice.auth, fields(987654, 0, { name: 'x.csv', content: bytes }));
      expect(missing.status).toBe(404);
      expect(missing.body.detail).toBe('product 987654 not found');
      expect(await storedBlobs()).not.toContain(sha256(bytes));
      expect(await attachedEvents(product)).toHaveLength(0);
    });

    it('names the offending field of a bad upload form', async () => {
      const product = await createProduct(alice.auth);
      const file = { name: 'x.csv', content: unique() };
      const cases: [FormPart[], string][] = [
        [fields('abc', 0, file), 'product'],
        [[{ name: 'role', value: '0' }, { name: 'file', filename: 'x.csv', content: file.content }], 'product'],
        [fields(product, 7, file), 'role'],
        [fields(product, 'main-ish', file), 'role'],
        [fields(product, 0, { ...file, type: 'not a type' }), 'type'],
        [[{ name: 'product', value: String(product) }, { name: 'role', value: '0' }], 'file'],
        [fields(product, 0, { name: 'empty.csv', content: Buffer.alloc(0) }), 'file'],
        [[{ name: 'file', filename: 'x.csv', content: file.content }, { name: 'product', value: String(product) }], 'product'],
        [[{ name: 'product', value: String(product) }, { name: 'file', filename: 'x.csv', content: file.content }, { name: 'role', value: '2' }], 'role'],
        [[{ name: 'product', value: String(product) }, { name: 'attachment', filename: 'x.csv', content: file.content }], 'attachment'],
      ];
      for (const [parts, field] of cases) {
        const r = await upload(alice.auth, parts);
        expect({ status: r.status, field: r.body.field }).toEqual({ status: 400, field });
        expect(String(r.body.detail)).toContain(field);
      }
      expect(await attachedEvents(product)).toHaveLength(0);

      expect((await upload(alice.auth, fields(product, 'main', file))).status).toBe(201);
      const secondMain = await upload(alice.auth, fields(product, 0, { name: 'y.csv', content: unique() }));
      expect(secondMain.status).toBe(400);
      expect(secondMain.body).toMatchObject({ field: 'role', detail: expect.stringContaining('already has a main file') });
      const json = await call('POST', '/api/product-files/', alice.auth, { product, role: 0 });
      expect(json.status).toBe(415);
    });

    it('keeps only the base name of the client file name and refuses names that are not names', async () => {
      const product = await createProduct(alice.auth, 'other');
      const traversal = await upload(alice.auth, fields(product, 2, { name: '../evil.csv', content: unique() }));
      expect(traversal.status).toBe(201);
      expect(traversal.body).toMatchObject({ name: 'evil.csv', extension: '.csv' });
      const windows = await upload(alice.auth, fields(product, 2, { name: 'C:\\Users\\me\\..\\data.tar.gz', content: unique() }));
      expect(windows.body).toMatchObject({ name: 'data.tar.gz', extension: '.tar.gz' });
      const accented = await upload(alice.auth, fields(product, 2, { name: 'données z.csv', content: unique() }));
      expect(accented.body.name).toBe('données z.csv');
      expect((await content(alice.auth, accented.body.id)).headers['content-disposition']).toBe(`attachment; filename*=UTF-8''donn%C3%A9es%20z.csv; filename=donnees_z.csv`);
      for (const name of ['..', '../..', 'bell\u0007.csv', 'rtl\u202Evsc.exe', `${'n'.repeat(252)}.csv`]) {
        const r = await upload(alice.auth, fields(product, 2, { name, content: unique() }));
        expect({ name, status: r.status, field: r.body.field }).toEqual({ name, status: 400, field: 'file' });
      }
      expect((await upload(alice.auth, fields(product, 2, { name: `${'n'.repeat(251)}.csv`, content: unique() }))).status).toBe(201);
    });

    it('serves byte ranges: 206 with Content-Range, 416 past the end, the whole file otherwise', async () => {
      const product = await createProduct(alice.auth);
      const r = await upload(alice.auth, fields(product, 0, { name: 'upload_example.csv', content: CSV }));
      const size = CSV.length;
      const first = await content(alice.auth, r.body.id, { range: 'bytes=0-9' });
      expect(first.statusCode).toBe(206);
      expect(first.headers).toMatchObject({ 'content-range': `bytes 0-9/${size}`, 'content-length': '10', 'content-security-policy': 'sandbox' });
      expect(first.rawPayload.equals(CSV.subarray(0, 10))).toBe(true);
      const suffix = await content(alice.auth, r.body.id, { range: 'bytes=-5' });
      expect(suffix.headers['content-range']).toBe(`bytes ${size - 5}-${size - 1}/${size}`);
      expect(suffix.rawPayload.equals(CSV.subarray(size - 5))).toBe(true);
      const open = await content(alice.auth, r.body.id, { range: 'bytes=450-' });
      expect(open.rawPayload.equals(CSV.subarray(450))).toBe(true);
      const clamped = await content(alice.auth, r.body.id, { range: `bytes=100-${size + 1000}` });
      expect(clamped.headers['content-range']).toBe(`bytes 100-${size - 1}/${size}`);
      const past = await content(alice.auth, r.body.id, { range: `bytes=${size}-` });
      expect(past.statusCode).toBe(416);
      expect(past.headers).toMatchObject({ 'content-range': `bytes */${size}`, 'content-type': expect.stringMatching(/^application\/json/), 'content-security-policy': 'sandbox' });
      expect(past.headers['content-disposition']).toBeUndefined();
      expect(JSON.parse(past.body).detail).toContain(`${size} bytes`);
      const several = await content(alice.auth, r.body.id, { range: 'bytes=0-1,5-6' });
      expect(several.statusCode).toBe(200);
      const foreignIfRange = await content(alice.auth, r.body.id, { range: 'bytes=0-9', 'if-range': '"0000"' });
      expect(foreignIfRange.statusCode).toBe(200);
      expect(foreignIfRange.rawPayload.equals(CSV)).toBe(true);
      const ownIfRange = await content(alice.auth, r.body.id, { range: 'bytes=0-9', 'if-range': `"${sha256(CSV)}"` });
      expect(ownIfRange.statusCode).toBe(206);
      const head = await server.app.inject({ method: 'HEAD', url: `/api/product-files/${String(r.body.id)}/content/`, headers: { authorization: alice.auth } });
      expect(head.statusCode).toBe(200);
      expect(head.headers).toMatchObject({ 'content-length': String(size), etag: `"${sha256(CSV)}"`, 'content-security-policy': 'sandbox' });
      expect(head.rawPayload.length).toBe(0);
      const cached = await content(alice.auth, r.body.id, { 'if-none-match': `"${sha256(CSV)}"` });
      expect(cached.statusCode).toBe(304);
      expect(cached.rawPayload.length).toBe(0);
    });

    it('answers a retried upload (same Idempotency-Key) with the file first recorded, recording it once', async () => {
      const product = await createProduct(alice.auth);
      for (const [role, key] of [[2, 'retry-aux-0001'], [0, 'retry-main-0001']] as const) {
        const parts = fields(product, role, { name: `retried-${role}.csv`, content: unique() });
        const first = await upload(alice.auth, parts, { 'idempotency-key': key });
        const retry = await upload(alice.auth, parts, { 'idempotency-key': key });
        expect([first.status, retry.status]).toEqual([201, 201]);
        expect(retry.body).toEqual(first.body);
      }
      expect(await attachedEvents(product)).toHaveLength(2);
      const otherKey = await upload(alice.auth, fields(product, 2, { name: 'retried-2.csv', content: unique() }), { 'idempotency-key': 'retry-aux-0002' });
      expect(otherKey.status).toBe(201);
      expect(await attachedEvents(product)).toHaveLength(3);
    });

    it('deletes a file for its owner or an admin, after which it is gone; PUT and PATCH are 405', async () => {
      const product = await createProduct(alice.auth);
      const main = await upload(alice.auth, fields(product, 0, { name: 'main.csv', content: unique() }));
      const aux = await upload(alice.auth, fields(product, 2, { name: 'aux.txt', content: unique() }));
      const asBob = await call('DELETE', `/api/product-files/${main.body.id}/`, bob.auth);
      expect(asBob.status).toBe(403);
      expect((await call('DELETE', `/api/product-files/${main.body.id}/`)).status).toBe(401);
      expect((await call('DELETE', `/api/product-files/${main.body.id}/`, alice.auth)).status).toBe(204);
      expect((await call('DELETE', `/api/product-files/${aux.body.id}/`, admin.auth)).status).toBe(204);
      const list = await call('GET', `/api/product-files/?product_id=${product}`, alice.auth);
      expect(list.body).toEqual({ count: 0, results: [] });
      expect((await call('GET', `/api/product-files/${main.body.id}/`, alice.auth)).status).toBe(404);
      expect((await content(alice.auth, main.body.id)).statusCode).toBe(404);
      expect((await call('DELETE', `/api/product-files/${main.body.id}/`, alice.auth)).status).toBe(404);
      expect((await upload(alice.auth, fields(product, 0, { name: 'main2.csv', content: unique() }))).status).toBe(201);

      expect((await call('PUT', `/api/product-files/${aux.body.id}/`, alice.auth, { role: 1 })).status).toBe(405);
      expect((await call('PATCH', `/api/product-files/${aux.body.id}/`, alice.auth, { role: 1 })).status).toBe(405);
      expect((await call('PUT', '/api/product-files/', alice.auth, {})).status).toBe(405);
      expect((await call('DELETE', '/api/product-files/', alice.auth)).status).toBe(405);
    });

    it('shows the files of a deleted product only to its owner and admins, and takes no new ones', async () => {
      const product = await createProduct(alice.auth);
      const file = await upload(alice.auth, fields(product, 0, { name: 'gone.csv', content: unique() }));
      expect((await call('DELETE', `/api/products/${product}/`, alice.auth)).status).toBe(204);
      expect((await call('GET', `/api/product-files/${file.body.id}/`, bob.auth)).status).toBe(404);
      expect((await content(bob.auth, file.body.id)).statusCode).toBe(404);
      expect((await call('GET', `/api/product-files/?product_id=${product}`, bob.auth)).body.count).toBe(0);
      expect((await call('GET', `/api/product-files/${file.body.id}/`, alice.auth)).body).toMatchObject({ id: file.body.id, can_delete: false });
      expect((await call('GET', `/api/product-files/?product_id=${product}`, admin.auth)).body.count).toBe(1);
      const late = await upload(alice.auth, fields(product, 2, { name: 'late.csv', content: unique() }));
      expect(late.status).toBe(409);
      expect((await upload(bob.auth, fields(product, 2, { name: 'late.csv', content: unique() }))).status).toBe(404);
    });

    it('lists with filters, ordering and pagination, and describes them in OPTIONS', async () => {
      const product = await createProduct(alice.auth);
      const ids: number[] = [];
      for (const [role, name] of [[2, 'a.txt'], [0, 'main.csv'], [1, 'about.md']] as const) {
        ids.push((await upload(alice.auth, fields(product, role, { name, content: unique() }))).body.id as number);
      }
      const byProduct = await call('GET', `/api/product-files/?product_id=${product}`, bob.auth);
      expect(byProduct.body.count).toBe(3);
      expect((byProduct.body.results as Json[]).map((f) => f.id)).toEqual(ids);
      expect((await call('GET', `/api/product-files/?product=${product}`, bob.auth)).body.count).toBe(3);
      expect((await call('GET', `/api/product-files/?product=${product}&id=${ids[1]}`, bob.auth)).body).toMatchObject({ count: 1, results: [{ id: ids[1], role_name: 'Main' }] });
      const byRole = await call('GET', `/api/product-files/?product_id=${product}&ordering=-role`, bob.auth);
      expect((byRole.body.results as Json[]).map((f) => f.role)).toEqual([2, 1, 0]);
      const page = await call('GET', `/api/product-files/?product_id=${product}&page_size=2&page=2`, bob.auth);
      expect(page.body).toMatchObject({ count: 3, results: [{ id: ids[2] }] });
      expect((await call('GET', '/api/product-files/?product_id=abc', bob.auth)).body).toMatchObject({ field: 'product_id' });
      expect((await call('GET', '/api/product-files/?ordering=name', bob.auth)).body).toMatchObject({ field: 'ordering' });
      const unknown = await call('GET', '/api/product-files/?owner=1', bob.auth);
      expect(unknown.status).toBe(400);
      expect(unknown.body.detail).toContain('owner');
      expect((await call('GET', '/api/product-files/')).status).toBe(401);
      const options = await call('OPTIONS', '/api/product-files/', bob.auth);
      expect(options.body.filterset).toEqual(['product_id', 'product', 'id']);
      expect(options.body.ordering).toEqual(['id', 'role']);
    });

    it('answers a real HTTP client: streamed upload, ranged download, and the JSON answer to a refused upload', async () => {
      const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
      const product = await createProduct(alice.auth);
      const form = new FormData();
      form.append('product', String(product));
      form.append('role', '0');
      form.append('file', new Blob([CSV]), 'upload_example.csv');
      const created = await fetch(`${address}/api/product-files/`, { method: 'POST', body: form, headers: { authorization: alice.auth } });
      expect(created.status).toBe(201);
      const file = (await created.json()) as Json;
      expect(file).toMatchObject({ name: 'upload_example.csv', sha256: sha256(CSV), type: 'text/csv' });

      const ranged = await fetch(`${address}/api/product-files/${String(file.id)}/content/`, { headers: { authorization: alice.auth, range: 'bytes=3-12' } });
      expect(ranged.status).toBe(206);
      expect(Buffer.from(await ranged.arrayBuffer()).equals(CSV.subarray(3, 13))).toBe(true);

      const large = new FormData();
      large.append('product', String(product));
      large.append('role', '2');
      large.append('file', new Blob([randomBytes(8 * 1024 * 1024)]), 'big.bin');
      const refused = await fetch(`${address}/api/product-files/`, { method: 'POST', body: large, headers: { authorization: bob.auth } });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as Json).detail).toMatch(/only the owner/);
    });
  });

  describe(`product file limits (${backend.name})`, () => {
    let server: TestServer;
    let alice: User;
    const { call, upload, createProduct, content, storedBlobs, attachedEvents } = client(() => server);
    const MAX_UPLOAD = 4096;
    const MAX_ESTIMATE = 1000;

    beforeAll(async () => {
      server = await startTestServer(backend, { MAX_UPLOAD_BYTES: String(MAX_UPLOAD), MAX_STORED_ESTIMATE_BYTES: String(MAX_ESTIMATE) });
      alice = await server.createUser('alice');
    });
    afterAll(async () => server.stop());

    it('refuses a file over MAX_UPLOAD_BYTES with 413, recording no event and keeping no blob', async () => {
      const product = await createProduct(alice.auth);
      const before = await storedBlobs();
      const over = await upload(alice.auth, fields(product, 0, { name: 'big.csv', content: unique(MAX_UPLOAD + 1) }));
      expect(over.status).toBe(413);
      expect(over.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'file', detail: expect.stringContaining('4 KiB') });
      const declaredHuge = await upload(alice.auth, fields(product, 0, { name: 'huge.csv', content: Buffer.alloc(3 * 1024 * 1024, 'z') }));
      expect(declaredHuge.status).toBe(413);
      expect(await attachedEvents(product)).toHaveLength(0);
      expect(await storedBlobs()).toEqual(before);
      expect(readdirSync(path.join(server.deps.blobs.root, 'tmp'))).toEqual([]);

      const atLimit = await upload(alice.auth, fields(product, 0, { name: 'exact.csv', content: unique(MAX_UPLOAD) }));
      expect(atLimit.status).toBe(201);
      expect(atLimit.body).toMatchObject({ size: MAX_UPLOAD, stored: true });
    });

    it('keeps only the metadata of a photo-z estimates main file over MAX_STORED_ESTIMATE_BYTES', async () => {
      const estimates = await createProduct(alice.auth, 'photoz_estimates', 'Big estimates');
      const bytes = unique(MAX_ESTIMATE + 500);
      const r = await upload(alice.auth, fields(estimates, 0, { name: 'estimates.csv', content: bytes }));
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ stored: false, size: bytes.length, sha256: sha256(bytes), name: 'estimates.csv', role: 0 });
      expect((await attachedEvents(estimates)).map((e) => e.data)).toEqual([expect.objectContaining({ stored: false, sha256: sha256(bytes), size: bytes.length })]);
      expect(await storedBlobs()).not.toContain(sha256(bytes));
      const raw = await content(alice.auth, r.body.id);
      expect(raw.statusCode).toBe(404);
      expect(JSON.parse(raw.body).detail).toMatch(/only its metadata is kept/);
      expect((await call('GET', `/api/product-files/${String(r.body.id)}/`, alice.auth)).body).toMatchObject({ stored: false });

      const auxiliary = await upload(alice.auth, fields(estimates, 2, { name: 'notes.txt', content: unique(MAX_ESTIMATE + 500) }));
      expect(auxiliary.body).toMatchObject({ stored: true });
      const small = await upload(alice.auth, fields(await createProduct(alice.auth, 'photoz_estimates'), 0, { name: 'small.csv', content: unique(MAX_ESTIMATE) }));
      expect(small.body).toMatchObject({ stored: true });
      const training = await upload(alice.auth, fields(await createProduct(alice.auth, 'training_set'), 0, { name: 'train.csv', content: unique(MAX_ESTIMATE + 500) }));
      expect(training.body).toMatchObject({ stored: true });
      expect((await content(alice.auth, training.body.id)).statusCode).toBe(200);
      const overUpload = await upload(alice.auth, fields(await createProduct(alice.auth, 'photoz_estimates'), 0, { name: 'e.csv', content: unique(MAX_UPLOAD + 10) }));
      expect(overUpload.status).toBe(413);
    });
  });
}
