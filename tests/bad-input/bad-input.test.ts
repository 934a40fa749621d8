import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { START, type LogPosition, type RecordedEvent } from '@pz/contracts';
import { testBackends } from '@pz/database/testing';
import { multipartForm, type FormPart } from '../../services/api/src/files/testing';
import { startTestServer, type TestServer } from '../../services/api/src/testing';
import { GOOD_CSV, fixture, generatedCorpus } from './corpus';

/**
 * The bad-input corpus (README.md beside this file lists every item and its expected outcome):
 * each input goes through the real API, and each refusal must be a specific 4xx with a JSON body
 * naming the problem, leaving the ledger and the hash store exactly as they were.
 */

type Json = Record<string, unknown>;
interface Reply {
  readonly status: number;
  readonly body: Json;
  readonly raw: string;
  readonly contentType: string;
}

const MAX_UPLOAD_BYTES = 128 * 1024;
const corpus = generatedCorpus();

/** What a refused request must leave untouched: the ledger's head and length, and every file of the hash store. */
interface Snapshot {
  readonly head: LogPosition;
  readonly events: number;
  readonly storeFiles: readonly string[];
}

async function filesUnder(root: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, prefix), { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? filesUnder(root, path.join(prefix, e.name)) : [path.join(prefix, e.name)])));
  return nested.flat().sort();
}

async function eventsAfter(server: TestServer, after: LogPosition): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  const limit = 1000;
  for (let from = after; ;) {
    const page = await server.deps.store.readAll({ after: from, limit });
    all.push(...page.events);
    if (page.events.length < limit) return all;
    from = page.lastPosition;
  }
}

async function snapshot(server: TestServer): Promise<Snapshot> {
  return { head: await server.deps.store.headPosition(), events: (await eventsAfter(server, START)).length, storeFiles: await filesUnder(server.deps.blobs.root) };
}

async function send(server: TestServer, request: InjectOptions): Promise<Reply> {
  const response = await server.app.inject(request);
  const contentType = String(response.headers['content-type'] ?? '');
  const body = contentType.startsWith('application/json') && response.body ? (JSON.parse(response.body) as Json) : {};
  return { status: response.statusCode, body, raw: response.body, contentType };
}

/** A specific 4xx, a JSON problem body, and a message that names the problem. */
function expectProblem(reply: Reply, status: number, mention: RegExp): void {
  expect({ status: reply.status, body: reply.raw.slice(0, 300) }).toEqual({ status, body: expect.any(String) as string });
  expect(reply.contentType).toMatch(/^application\/json/);
  expect(typeof reply.body.code).toBe('string');
  expect(String(reply.body.detail)).toMatch(mention);
}

/** A multipart body written byte for byte, for what `multipartForm` will not write (bad UTF-8, no closing boundary). */
function rawMultipart(productId: number, fileHeader: Buffer, content: string, close = true): { payload: Buffer; headers: Record<string, string> } {
  const boundary = 'pz-bad-input-boundary';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="product"\r\n\r\n${productId}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="role"\r\n\r\n2\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="`),
    fileHeader,
    Buffer.from(`"\r\n\r\n${content}`),
    Buffer.from(close ? `\r\n--${boundary}--\r\n` : ''),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

const form = (parts: FormPart[]) => {
  const built = multipartForm(parts);
  return { payload: built.payload, headers: built.headers as Record<string, string> };
};
const fileParts = (productId: number, name: string, content: Buffer | string, role = '2'): FormPart[] => [
  { name: 'product', value: String(productId) },
  { name: 'role', value: role },
  { name: 'file', filename: name, content },
];

interface UploadCase {
  readonly name: string;
  readonly body: (productId: number) => { payload: Buffer | string; headers: Record<string, string> };
  readonly status: number;
  readonly mention: RegExp;
}

const UPLOADS: UploadCase[] = [
  { name: 'a file one byte over MAX_UPLOAD_BYTES', body: (p) => form(fileParts(p, 'big.csv', Buffer.alloc(MAX_UPLOAD_BYTES + 1, 0x31))), status: 413, mention: /upload limit of 128 KiB \(MAX_UPLOAD_BYTES\)/ },
  { name: 'a body declared far over MAX_UPLOAD_BYTES (refused before it is read)', body: (p) => form(fileParts(p, 'huge.csv', Buffer.alloc(MAX_UPLOAD_BYTES + 2 * 1024 * 1024 + 1, 0x31))), status: 413, mention: /upload limit/ },
  { name: 'a JSON body to the multipart upload route', body: (p) => ({ payload: JSON.stringify({ product: p, role: 0, file: 'x' }), headers: { 'content-type': 'application/json' } }), status: 415, mention: /multipart\/form-data/ },
  { name: 'a text/plain body to the multipart upload route', body: () => ({ payload: 'id,z\n1,0.5\n', headers: { 'content-type': 'text/plain' } }), status: 415, mention: /multipart\/form-data|Unsupported Media Type/ },
  { name: 'multipart without a boundary', body: () => ({ payload: 'garbage', headers: { 'content-type': 'multipart/form-data' } }), status: 400, mention: /multipart body could not be read: .*[Bb]oundary/ },
  { name: 'a multipart body cut off inside the file part', body: (p) => rawMultipart(p, Buffer.from('cut.csv'), 'id,z\n1,0.5\n2,0.', false), status: 400, mention: /file could not be received/ },
  { name: 'an empty file (services/tables/fixtures/empty.csv)', body: (p) => form(fileParts(p, 'empty.csv', fixture('empty.csv'))), status: 400, mention: /file is empty/ },
  { name: 'a file name that is only "../.."', body: (p) => form(fileParts(p, '../..', GOOD_CSV)), status: 400, mention: /has no name/ },
  { name: 'a file name with control characters (BEL, NUL)', body: (p) => form(fileParts(p, 'cat\u0007alog\u0000.csv', GOOD_CSV)), status: 400, mention: /control characters/ },
  { name: 'a file name with a right-to-left override', body: (p) => form(fileParts(p, 'report\u202Evsc.exe', GOOD_CSV)), status: 400, mention: /control characters/ },
  { name: 'a 10,000-character file name', body: (p) => form(fileParts(p, `${'n'.repeat(10_000)}.csv`, GOOD_CSV)), status: 400, mention: /longer than 255 characters/ },
  { name: 'a file name that is not UTF-8 (bytes FF FE)', body: (p) => rawMultipart(p, Buffer.from([0x63, 0x61, 0x74, 0xff, 0xfe, 0x2e, 0x63, 0x73, 0x76]), 'id,z\n1,0.5\n'), status: 400, mention: /file name is not valid UTF-8/ },
  {
    name: 'a product field that is not UTF-8',
    body: () => {
      const boundary = 'pz-bad-input-boundary';
      const payload = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="product"\r\n\r\n`), Buffer.from([0xff, 0x31]), Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nid\n1\n\r\n--${boundary}--\r\n`)]);
      return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
    },
    status: 400,
    mention: /product must be a product id/,
  },
  { name: 'a SQL-looking product field ("1 OR 1=1")', body: () => form([{ name: 'product', value: '1 OR 1=1' }, { name: 'file', filename: 'a.csv', content: GOOD_CSV }]), status: 400, mention: /product must be a product id/ },
  { name: 'a NUL in the type field', body: (p) => form([{ name: 'product', value: String(p) }, { name: 'role', value: '2' }, { name: 'type', value: 'text/csv\u0000' }, { name: 'file', filename: 'a.csv', content: GOOD_CSV }]), status: 400, mention: /type must be a MIME type/ },
  { name: 'thirty fields before the product (over the field limit)', body: (p) => form([...Array.from({ length: 30 }, (_, i) => ({ name: `padding${i}`, value: 'x' })), ...fileParts(p, 'a.csv', GOOD_CSV)]), status: 400, mention: /too many fields/ },
  { name: 'a 70 KB product field', body: (p) => form([{ name: 'product', value: `${p}${'0'.repeat(70_000)}` }, { name: 'file', filename: 'a.csv', content: GOOD_CSV }]), status: 400, mention: /product must be a short text value/ },
  { name: 'the file under another field name', body: (p) => form([{ name: 'product', value: String(p) }, { name: 'upload', filename: 'a.csv', content: GOOD_CSV }]), status: 400, mention: /unexpected file field "upload"/ },
];

/**
 * Refused only once the file is in the store: the fault comes after the file part. No event names
 * the blob, so the sweep removes it (as it does for any command refused after its upload).
 */
const REFUSED_AFTER_THE_FILE: UploadCase[] = [
  { name: 'two file parts', body: (p) => form([...fileParts(p, 'first.csv', GOOD_CSV), { name: 'file', filename: 'second.csv', content: 'id\n2\n' }]), status: 400, mention: /one file per request/ },
  { name: 'the role sent after the file', body: (p) => form([{ name: 'product', value: String(p) }, { name: 'file', filename: 'a.csv', content: GOOD_CSV }, { name: 'role', value: '2' }]), status: 400, mention: /role must be sent before the file part/ },
  { name: 'an invalid type sent after the file', body: (p) => form([...fileParts(p, 'a.csv', GOOD_CSV), { name: 'type', value: 'not a type' }]), status: 400, mention: /type must be a MIME type/ },
];

interface JsonCase {
  readonly name: string;
  readonly method?: 'POST' | 'PATCH';
  readonly url?: (productId: number) => string;
  readonly payload: string | Buffer;
  readonly contentType?: string;
  readonly status: number;
  readonly mention: RegExp;
}

const json = (value: Json): string => JSON.stringify(value);
const deeplyNested = `{"display_name":"deep","product_type":"other","derived_from":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;

const JSON_BODIES: JsonCase[] = [
  { name: 'malformed JSON (cut off)', payload: '{"display_name": "x", "product_type": ', status: 400, mention: /not valid JSON/ },
  { name: 'an empty JSON body to a route that takes a body', payload: '', status: 400, mention: /body must be object/ },
  { name: 'a JSON body that is not UTF-8 (Latin-1 "é")', payload: Buffer.concat([Buffer.from('{"display_name":"caf'), Buffer.from([0xe9]), Buffer.from('","product_type":"other"}')]), status: 400, mention: /not valid UTF-8/ },
  { name: 'a lone UTF-16 surrogate escaped in a JSON string', payload: '{"display_name":"x\\ud800y","product_type":"other"}', status: 400, mention: /body\.display_name holds .*lone UTF-16 surrogate/ },
  { name: 'a NUL escaped in a JSON string that is looked up (product_type)', payload: '{"display_name":"x","product_type":"other\\u0000"}', status: 400, mention: /body\.product_type holds a NUL/ },
  { name: 'a NUL escaped in a JSON object key', payload: '{"display_name":"x","product_type":"other","a\\u0000b":1}', status: 400, mention: /body holds a NUL/ },
  { name: 'a __proto__ key', payload: '{"display_name":"x","product_type":"other","__proto__":{"is_admin":true}}', status: 400, mention: /not valid JSON/ },
  { name: 'a JSON array instead of an object', payload: '[1, 2, 3]', status: 400, mention: /body must be object/ },
  { name: 'a wrong type (display_name an object)', payload: json({ display_name: { $ne: null }, product_type: 'other' }), status: 400, mention: /display_name must be string/ },
  { name: 'a 10,000-character display_name', payload: json({ display_name: 'x'.repeat(10_000), product_type: 'other' }), status: 400, mention: /display_name/ },
  { name: 'JSON nested 200,000 arrays deep', payload: deeplyNested, status: 400, mention: /derived_from|not valid JSON/ },
  { name: 'a JSON body over the 1 MiB body limit', payload: json({ display_name: 'x', product_type: 'other', description: 'd'.repeat(1024 * 1024) }), status: 413, mention: /too large/ },
  { name: 'text/plain to a JSON route', payload: 'display_name=x', contentType: 'text/plain', status: 415, mention: /Unsupported Media Type: content type ".+" is not accepted here/ },
  { name: 'an unknown content type to a JSON route', payload: '<product/>', contentType: 'application/xml', status: 415, mention: /Unsupported Media Type: content type ".+" is not accepted here/ },
];

interface QueryCase {
  readonly name: string;
  readonly url: (productId: number) => string;
  readonly status: number;
  readonly mention: RegExp;
}

const QUERIES: QueryCase[] = [
  ...(['/api/products/', '/api/product-files/', '/api/product-contents/', '/api/users/'] as const).flatMap((list) => [
    { name: `page_size=10^9 on ${list}`, url: () => `${list}?page_size=1000000000`, status: 400, mention: /page_size must be an integer from 1 to 1000/ },
    { name: `page_size=-1 on ${list}`, url: () => `${list}?page_size=-1`, status: 400, mention: /page_size/ },
    { name: `page_size=abc on ${list}`, url: () => `${list}?page_size=abc`, status: 400, mention: /page_size/ },
  ]),
  { name: 'page_size=2.5 on read_data', url: (p) => `/api/products/${p}/read_data/?page_size=2.5`, status: 400, mention: /page_size/ },
  { name: 'page=0 on read_data', url: (p) => `/api/products/${p}/read_data/?page=0`, status: 400, mention: /page must be a positive integer/ },
  { name: 'page=10^20', url: () => '/api/products/?page=100000000000000000000', status: 400, mention: /page must be a positive integer/ },
  { name: 'page_size given twice', url: () => '/api/products/?page_size=1&page_size=2', status: 400, mention: /page_size/ },
  { name: 'a NUL in search', url: () => '/api/products/?search=a%00b', status: 400, mention: /querystring\.search holds a NUL/ },
  { name: 'a NUL in a text filter', url: () => '/api/products/?product_name=%00', status: 400, mention: /querystring\.product_name holds a NUL/ },
  { name: 'a NUL in a release search', url: () => '/api/releases/?search=%00', status: 400, mention: /querystring\.search holds a NUL/ },
  { name: 'a SQL-looking id filter', url: () => `/api/products/?id=${encodeURIComponent('1 OR 1=1')}`, status: 400, mention: /id must be an integer/ },
  { name: 'a SQL-looking ordering', url: () => `/api/products/?ordering=${encodeURIComponent('id; DROP TABLE products')}`, status: 400, mention: /cannot order by/ },
  { name: 'a SQL-looking file ordering', url: () => `/api/product-files/?ordering=${encodeURIComponent('id desc, (select 1)')}`, status: 400, mention: /ordering must be one of/ },
  { name: 'a product-type id that is not a number', url: () => '/api/product-types/?id=abc', status: 400, mention: /querystring\.id/ },
  { name: 'a release id beyond the integer range', url: () => '/api/releases/?id=99999999999', status: 400, mention: /querystring\.id/ },
  { name: 'a product-file id beyond the integer range', url: () => '/api/product-files/?id=99999999999', status: 400, mention: /id must be an integer/ },
  { name: 'an unknown filter', url: () => '/api/products/?owner_password=x', status: 400, mention: /unknown filter "owner_password"/ },
];

/** Searches that look like SQL: 200 with the products that literally match, nothing else. */
const SEARCHES: { readonly search: string; readonly matches: readonly ('quoted' | 'plain')[] }[] = [
  { search: "O'Brien's", matches: ['quoted'] },
  { search: '100%_done', matches: ['quoted'] },
  { search: '%', matches: ['quoted'] },
  { search: '_', matches: ['quoted'] },
  { search: 'catalog', matches: ['quoted', 'plain'] },
  { search: "' OR '1'='1", matches: [] },
  { search: "'; DROP TABLE products; --", matches: [] },
  { search: '" OR ""="', matches: [] },
  { search: '1) UNION SELECT password_hash FROM users --', matches: [] },
  { search: "'); SELECT pg_sleep(10); --", matches: [] },
  { search: '\\', matches: [] },
  { search: '$1 $$', matches: [] },
  { search: '\uFFFD', matches: [] },
];

interface RegistryCase {
  readonly name: string;
  readonly file: string;
  readonly bytes: () => Buffer;
  readonly code: string;
  readonly mention: RegExp;
}

const REGISTRY: RegistryCase[] = [
  { name: 'a CSV with a ragged row (fixture)', file: 'ragged.csv', bytes: () => fixture('ragged.csv'), code: 'TABLE_UNREADABLE', mention: /Line 3 has 2 fields/ },
  { name: 'a CSV with an unclosed quote (fixture)', file: 'unclosed-quote.csv', bytes: () => fixture('unclosed-quote.csv'), code: 'TABLE_UNREADABLE', mention: /Quote Not Closed/ },
  { name: 'a CSV cut off mid-row', file: 'truncated.csv', bytes: () => corpus.truncatedCsv, code: 'TABLE_UNREADABLE', mention: /has 3 fields where the table has 4 columns/ },
  { name: 'a Latin-1 CSV (not UTF-8)', file: 'latin1.csv', bytes: () => corpus.latin1Csv, code: 'TABLE_UNREADABLE', mention: /not valid UTF-8 \(line 2/ },
  { name: 'random bytes named .csv (fixture garbage.bin)', file: 'garbage.csv', bytes: () => fixture('garbage.bin'), code: 'TABLE_UNREADABLE', mention: /binary data, not a text table/ },
  { name: 'a PNG renamed .csv', file: 'image.csv', bytes: () => corpus.pngAsCsv, code: 'TABLE_UNREADABLE', mention: /binary data, not a text table/ },
  { name: 'a FITS file cut in its data (fixture)', file: 'truncated.fits', bytes: () => fixture('truncated.fits'), code: 'TABLE_TRUNCATED', mention: /is truncated/ },
  { name: 'a FITS file cut in its header (fixture)', file: 'truncated-header.fits', bytes: () => fixture('truncated-header.fits'), code: 'TABLE_TRUNCATED', mention: /before its END card/ },
  { name: 'a FITS header with a corrupted keyword (fixture)', file: 'corrupted-header.fits', bytes: () => fixture('corrupted-header.fits'), code: 'TABLE_UNREADABLE', mention: /NAXIS1 is missing/ },
  { name: 'a FITS file with bit-flipped middle bytes', file: 'flipped.fits', bytes: () => corpus.flippedFits, code: 'TABLE_UNREADABLE', mention: /not printable ASCII/ },
  { name: 'a FITS table with variable-length arrays (fixture)', file: 'unsupported-tform.fits', bytes: () => fixture('unsupported-tform.fits'), code: 'TABLE_FORMAT_UNSUPPORTED', mention: /variable-length array/ },
  { name: 'a FITS image with no table (fixture)', file: 'image-only.fits', bytes: () => fixture('image-only.fits'), code: 'TABLE_NOT_FOUND', mention: /no table extension/ },
  { name: 'an HDF5 file cut in half (fixture)', file: 'truncated.h5', bytes: () => fixture('truncated.h5'), code: 'TABLE_TRUNCATED', mention: /HDF5 file is truncated/ },
  { name: 'an HDF5 file with bit-flipped middle bytes', file: 'flipped.h5', bytes: () => corpus.flippedHdf5, code: 'TABLE_UNREADABLE', mention: /HDF5 table could not be read: wrong B-tree signature/ },
  { name: 'an HDF5 file with no table (fixture)', file: 'no-table.h5', bytes: () => fixture('no-table.h5'), code: 'TABLE_NOT_FOUND', mention: /holds no table/ },
  { name: 'a Parquet file without its footer (fixture)', file: 'truncated-footer.parquet', bytes: () => fixture('truncated-footer.parquet'), code: 'TABLE_TRUNCATED', mention: /footer is missing/ },
  { name: 'a Parquet file with a corrupt footer (fixture)', file: 'corrupt-footer.parquet', bytes: () => fixture('corrupt-footer.parquet'), code: 'TABLE_UNREADABLE', mention: /footer \(metadata\) could not be read/ },
  { name: 'a Parquet file with bit-flipped middle bytes', file: 'flipped.parquet', bytes: () => corpus.flippedParquet, code: 'TABLE_UNREADABLE', mention: /Parquet footer \(metadata\) could not be read/ },
  { name: 'text named .parquet (fixture)', file: 'not-parquet.parquet', bytes: () => fixture('not-parquet.parquet'), code: 'TABLE_UNREADABLE', mention: /does not start with the PAR1 marker/ },
  // Its page header would send the decoder into a loop bounded only by 32-bit counts: registry's
  // check of every page header refuses it before any decode (parquet/page-header-check.ts).
  { name: 'a Parquet file whose page header never ends decoding (fixture)', file: 'hostile-page-header.parquet', bytes: () => fixture('hostile-page-header.parquet'), code: 'TABLE_UNREADABLE', mention: /page headers are corrupt: column "name" of row group 0/ },
  { name: 'a zip holding two tables (fixture)', file: 'two-tables.zip', bytes: () => fixture('two-tables.zip'), code: 'TABLE_ARCHIVE_INVALID', mention: /holds 2 tables/ },
  { name: 'a tar.gz holding two tables (fixture)', file: 'two-tables.tgz', bytes: () => fixture('two-tables.tgz'), code: 'TABLE_ARCHIVE_INVALID', mention: /holds 2 tables/ },
  { name: 'a zip holding no table (fixture)', file: 'no-table.zip', bytes: () => fixture('no-table.zip'), code: 'TABLE_ARCHIVE_INVALID', mention: /holds no table/ },
  { name: 'a truncated zip (fixture)', file: 'truncated.zip', bytes: () => fixture('truncated.zip'), code: 'TABLE_ARCHIVE_INVALID', mention: /unreadable|truncated/ },
  { name: 'a zip bomb, 32 KB to 32 MB (fixture)', file: 'bomb.zip', bytes: () => fixture('bomb.zip'), code: 'TABLE_ARCHIVE_TOO_LARGE', mention: /looks like a zip bomb/ },
  { name: 'a generated zip bomb (16 MiB deflated, ratio ~1000)', file: 'catalog.zip', bytes: () => corpus.zipBomb, code: 'TABLE_ARCHIVE_TOO_LARGE', mention: /looks like a zip bomb/ },
  { name: 'a gzip bomb (16 MiB as catalog.csv.gz)', file: 'catalog.csv.gz', bytes: () => corpus.gzipBomb, code: 'TABLE_ARCHIVE_TOO_LARGE', mention: /looks like a zip bomb/ },
  { name: 'a zip bomb nested in a zip as a .csv member', file: 'nested.zip', bytes: () => corpus.nestedZipBomb, code: 'TABLE_ARCHIVE_INVALID', mention: /archive inside an archive/ },
  { name: 'a zip bomb nested in a gzip', file: 'catalog.csv.gz', bytes: () => corpus.zipBombInGzip, code: 'TABLE_ARCHIVE_INVALID', mention: /archive inside an archive/ },
  { name: 'a zip whose two tables have escaping paths (../a.csv, /tmp/b.csv)', file: 'slip-two.zip', bytes: () => corpus.zipSlipTwoTables, code: 'TABLE_ARCHIVE_INVALID', mention: /holds 2 tables \(\.\.\/a\.csv, \/tmp\/b\.csv\)/ },
];

for (const backend of testBackends()) {
  describe(`bad input corpus (${backend.name})`, () => {
    let server: TestServer;
    let auth: string;
    let productId: number;

    const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: Json) => send(server, { method, url, headers: { authorization: auth }, ...(payload ? { payload } : {}) });
    const createProduct = async (displayName: string, productType = 'redshift_catalog'): Promise<number> => {
      const created = await call('POST', '/api/products/', { display_name: displayName, product_type: productType });
      expect(created.status).toBe(201);
      return created.body.id as number;
    };
    const upload = async (product: number, name: string, content: Buffer, role = '0') => {
      const body = form(fileParts(product, name, content, role));
      return send(server, { method: 'POST', url: '/api/product-files/', payload: body.payload, headers: { ...body.headers, authorization: auth } });
    };
    /** Runs a request that must be refused, and checks it changed neither the ledger nor the hash store. */
    const refusedWithoutTrace = async (request: () => Promise<Reply>, status: number, mention: RegExp) => {
      const before = await snapshot(server);
      expectProblem(await request(), status, mention);
      expect(await snapshot(server)).toEqual(before);
    };

    beforeAll(async () => {
      server = await startTestServer(backend, { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES), TABLE_DECODE_TIMEOUT_MS: '1500' });
      auth = (await server.createUser('mallory')).auth;
      productId = await createProduct('Bad input target', 'other');
    }, 180_000);
    afterAll(async () => server.stop());

    describe('uploads refused before a byte is stored', () => {
      it.each(UPLOADS)('$name → $status', async ({ body, status, mention }) => {
        const built = body(productId);
        await refusedWithoutTrace(() => send(server, { method: 'POST', url: '/api/product-files/', payload: built.payload, headers: { ...built.headers, authorization: auth } }), status, mention);
      });

      it.each(REFUSED_AFTER_THE_FILE)('$name → $status, recording no event; only the file\'s own blob, which the sweep removes', async ({ body, status, mention }) => {
        const built = body(productId);
        const before = await snapshot(server);
        expectProblem(await send(server, { method: 'POST', url: '/api/product-files/', payload: built.payload, headers: { ...built.headers, authorization: auth } }), status, mention);
        const after = await snapshot(server);
        expect({ head: after.head, events: after.events }).toEqual({ head: before.head, events: before.events });
        const sha = createHash('sha256').update(GOOD_CSV).digest('hex');
        expect(after.storeFiles.filter((f) => !before.storeFiles.includes(f)).map((f) => path.basename(f))).toEqual([sha, `${sha}.json`]);
        const named = new Set((await eventsAfter(server, START)).flatMap((e) => (e.type === 'ProductFileAttached' ? [(e.data as { sha256: string }).sha256] : [])));
        await server.deps.blobs.sweep({ isReferenced: (candidate) => named.has(candidate), blobOlderThanMs: 0 });
        expect(await snapshot(server)).toEqual(before);
      });

      it('a file name with ../ and absolute paths keeps only its base name (201: the one event and blob of an upload)', async () => {
        for (const [name, content] of [['../../../etc/passwd.csv', 'id\n1\n'], ['/etc/shadow.csv', 'id\n2\n'], ['..\\..\\win.csv', 'id\n3\n']] as const) {
          const before = await snapshot(server);
          const created = await upload(productId, name, Buffer.from(content), '2');
          expect(created.status).toBe(201);
          expect(created.body.name).toBe(path.posix.basename(name.replace(/\\/g, '/')));
          const recorded = await eventsAfter(server, before.head);
          expect(recorded.map((e) => e.type)).toEqual(['ProductFileAttached']);
          const after = await snapshot(server);
          const added = after.storeFiles.filter((f) => !before.storeFiles.includes(f));
          expect(added.map((f) => path.basename(f))).toEqual([`${String(created.body.sha256)}`, `${String(created.body.sha256)}.json`].sort());
          expect(added.every((f) => f.startsWith(`sha256${path.sep}`))).toBe(true);
        }
      });
    });

    describe('JSON bodies', () => {
      it.each(JSON_BODIES)('$name → $status', async ({ method = 'POST', url = () => '/api/products/', payload, contentType = 'application/json', status, mention }) => {
        await refusedWithoutTrace(() => send(server, { method, url: url(productId), payload, headers: { authorization: auth, 'content-type': contentType } }), status, mention);
      });

      it('unknown fields are ignored, as DRF does, and stored nowhere: not in the event, not in the read model', async () => {
        const before = await snapshot(server);
        const created = await send(server, { method: 'POST', url: '/api/products/', payload: json({ display_name: 'Unknown fields', product_type: 'other', surprise: 'planted-field', owner_id: 1 }), headers: { authorization: auth, 'content-type': 'application/json' } });
        expect(created.status).toBe(201);
        expect(created.raw).not.toMatch(/surprise|planted-field|owner_id/);
        const recorded = await eventsAfter(server, before.head);
        expect(recorded.map((e) => e.type)).toEqual(['ProductRegistered']);
        expect(JSON.stringify(recorded.map((e) => e.data))).not.toMatch(/surprise|planted-field|owner_id/);
        const row = await server.deps.catalogue.selectFrom('products').selectAll().where('id', '=', created.body.id as number).executeTakeFirstOrThrow();
        expect(JSON.stringify(row)).not.toMatch(/surprise|planted-field/);
        // A PATCH of unknown fields only: 200, and nothing recorded.
        const head = await snapshot(server);
        const patched = await send(server, { method: 'PATCH', url: `/api/products/${productId}/`, payload: json({ owner_id: 1, surprise: 'planted-field' }), headers: { authorization: auth, 'content-type': 'application/json' } });
        expect(patched.status).toBe(200);
        expect(patched.raw).not.toMatch(/planted-field/);
        expect(await snapshot(server)).toEqual(head);
      });

      it('form-encoded login and sign-up with a NUL → 400, not 500', async () => {
        for (const url of ['/api/auth/login/', '/api/auth/register/']) {
          await refusedWithoutTrace(() => send(server, { method: 'POST', url, payload: 'username=a%00b&password=a+long+passphrase', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 400, /body\.username holds a NUL/);
        }
      });

      it('an 8 KB Authorization header → 401', async () => {
        await refusedWithoutTrace(() => send(server, { method: 'GET', url: '/api/products/', headers: { authorization: `Token ${'k'.repeat(8192)}` } }), 401, /token|credentials|authenticat/i);
      });
    });

    describe('query strings', () => {
      it.each(QUERIES)('$name → $status', async ({ url, status, mention }) => {
        await refusedWithoutTrace(() => call('GET', url(productId)), status, mention);
      });

      it('SQL-looking searches answer 200 with the literal matches only, and change nothing', async () => {
        const tag = `sqltag${randomBytes(4).toString('hex')}`;
        const quoted = await createProduct(`${tag} O'Brien's 100%_done catalog`);
        const plain = await createProduct(`${tag} plain catalog`);
        const ids = { quoted, plain };
        const total = (await call('GET', '/api/products/?page_size=1')).body.count;
        const before = await snapshot(server);
        for (const { search, matches } of SEARCHES) {
          const found = await call('GET', `/api/products/?product_name=${tag}&ordering=id&search=${encodeURIComponent(search)}`);
          expect({ search, status: found.status, ids: (found.body.results as Json[] | undefined)?.map((p) => p.id) }).toEqual({ search, status: 200, ids: matches.map((m) => ids[m]) });
        }
        const undecodable = await call('GET', `/api/products/?product_name=${tag}&search=%FF%FE`);
        expect({ status: undecodable.status, count: undecodable.body.count }).toEqual({ status: 200, count: 0 });
        expect(await snapshot(server)).toEqual(before);
        expect((await call('GET', '/api/products/?page_size=1')).body.count).toBe(total);
      });

      it('a numeric user or release filter beyond the integer range → 200 with no match, not 500', async () => {
        const before = await snapshot(server);
        for (const query of ['user=99999999999', 'release=99999999999', 'product_type=99999999999']) {
          const r = await call('GET', `/api/products/?${query}`);
          expect({ query, status: r.status, count: r.body.count }).toEqual({ query, status: 200, count: 0 });
        }
        expect(await snapshot(server)).toEqual(before);
      });
    });

    describe('broken main files: registry answers 422 and records exactly one ProductRegistryFailed (status 9)', () => {
      it.each(REGISTRY)('$name → 422 $code', async ({ file, bytes, code, mention }) => {
        const product = await createProduct(`broken ${file}`);
        const uploaded = await upload(product, file, bytes());
        expect(uploaded.status).toBe(201);
        const before = await snapshot(server);
        const registry = await call('POST', `/api/products/${product}/registry/`);
        expectProblem(registry, 422, mention);
        expect(registry.body.code).toBe(code);
        expect(String(registry.body.detail)).toContain(`"${file}" is not a readable table`);
        expect(String(registry.body.detail)).toContain('status 9');
        const recorded = await eventsAfter(server, before.head);
        expect(recorded.map((e) => ({ type: e.type, data: e.data }))).toEqual([
          { type: 'ProductRegistryFailed', data: { productId: product, fileId: uploaded.body.id, code, reason: expect.stringMatching(mention) as string } },
        ]);
        const after = await snapshot(server);
        expect({ events: after.events, storeFiles: after.storeFiles }).toEqual({ events: before.events + 1, storeFiles: before.storeFiles });
        expect((await call('GET', `/api/products/${product}/`)).body).toMatchObject({ status: 9, product_status: 'Failed' });
      });
    });

    describe('archives whose member paths escape', () => {
      it.each([
        { name: 'a zip member named ../../../../pz-zip-slip-relative.csv', bytes: () => corpus.zipSlipRelative, escaped: path.resolve(os.tmpdir(), '../../../../pz-zip-slip-relative.csv') },
        { name: 'a zip member with an absolute path', bytes: () => corpus.zipSlipAbsolute(path.join(os.tmpdir(), `pz-zip-slip-${backend.name}.csv`)), escaped: path.join(os.tmpdir(), `pz-zip-slip-${backend.name}.csv`) },
      ])('$name is read in place of the member path (200), writing nothing outside', async ({ bytes, escaped }) => {
        const product = await createProduct('zip slip');
        expect((await upload(product, 'slip.zip', bytes())).status).toBe(201);
        const before = await snapshot(server);
        const registry = await call('POST', `/api/products/${product}/registry/`);
        expect(registry.status).toBe(200);
        expect(existsSync(escaped)).toBe(false);
        const registered = await eventsAfter(server, before.head);
        expect(registered.map((e) => e.type)).toEqual(['ProductContentsRegistered']);
        // The only new blobs are those registry keeps for previews (the extracted member, the
        // row index), each named in the event; nothing else was written into the store.
        const details = (registered[0]?.data as { details?: Record<string, unknown> } | undefined)?.details ?? {};
        const named = [details['extracted_sha256'], details['row_index_sha256']].filter((v): v is string => typeof v === 'string');
        expect(named).toHaveLength(2);
        const added = (await snapshot(server)).storeFiles.filter((file) => !before.storeFiles.includes(file));
        expect(added.filter((file) => !named.some((sha256) => file.includes(sha256)))).toEqual([]);
        const info = await call('GET', `/api/products/${product}/main_file_info/`);
        expect(info.body.main_file).toMatchObject({ n_rows: 3, format: 'csv' });
      });
    });

    describe('over real HTTP', () => {
      let address: URL;
      beforeAll(async () => {
        address = new URL(await server.app.listen({ port: 0, host: '127.0.0.1' }));
      });

      const rawRequest = (headers: Record<string, string>, body?: string) =>
        new Promise<{ status: number; contentType: string; text: string }>((resolve, reject) => {
          const request = http.request({ host: address.hostname, port: address.port, path: '/api/products/', method: body === undefined ? 'GET' : 'POST', headers }, (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (c: Buffer) => chunks.push(c));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
          });
          request.on('error', reject);
          request.end(body);
        });

      it('a 64 KB header → 431 with a JSON body naming the header size', async () => {
        const before = await snapshot(server);
        const r = await rawRequest({ authorization: auth, 'x-padding': 'p'.repeat(64 * 1024) });
        expect(r.status).toBe(431);
        expect(r.contentType).toMatch(/^application\/json/);
        expect(JSON.parse(r.text)).toMatchObject({ code: 'HEADERS_TOO_LARGE', detail: expect.stringMatching(/header/i) as string });
        expect(await snapshot(server)).toEqual(before);
      });

      it('a JSON body declared over the body limit → 413 before it is read', async () => {
        const before = await snapshot(server);
        const r = await rawRequest({ authorization: auth, 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) }, '{');
        expect(r.status).toBe(413);
        expect(JSON.parse(r.text)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', detail: expect.stringMatching(/too large/) as string });
        expect(await snapshot(server)).toEqual(before);
      });
    });
  });
}
