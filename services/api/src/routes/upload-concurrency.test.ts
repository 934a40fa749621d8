import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamName } from '@pz/contracts';
import { testBackends } from '@pz/database/testing';
import { multipartForm } from '../files/testing';
import { startTestServer, type TestServer } from '../testing';

type Json = Record<string, unknown>;
type User = { auth: string; userId: number };
interface Answer {
  readonly status: number;
  readonly body: Json;
  readonly headers: http.IncomingHttpHeaders;
}

/** An upload over a real socket whose body is sent in two steps, so the server holds it in progress in between. */
interface HeldUpload {
  readonly answer: Promise<Answer>;
  /** Sends the rest of the body. */
  finish(): Promise<Answer>;
  /** Goes away mid-body, as a client whose connection drops. */
  abort(): void;
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
/** Far more than one chunk, and the first `HELD_BYTES` of the body reach well into the file. */
const FILE_BYTES = 80_000;
const HELD_BYTES = 40_000;
const MAX_UPLOAD_BYTES = 100_000;

function holdUpload(port: number, auth: string, productId: number, content: Buffer): HeldUpload {
  const form = multipartForm([
    { name: 'product', value: String(productId) },
    { name: 'role', value: '2' },
    { name: 'file', filename: `${sha256(content).slice(0, 8)}.bin`, content },
  ]);
  const request = http.request({
    host: '127.0.0.1', port, method: 'POST', path: '/api/product-files/', agent: false,
    headers: { ...form.headers, authorization: auth, 'content-length': String(form.payload.length) },
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Json, headers: response.headers }));
    });
    request.on('error', reject);
  });
  // A test that aborts expects no answer; one that awaits the answer sees the rejection there.
  answer.catch(() => undefined);
  request.flushHeaders();
  request.write(form.payload.subarray(0, HELD_BYTES));
  return {
    answer,
    finish: () => {
      request.end(form.payload.subarray(HELD_BYTES));
      return answer;
    },
    abort: () => request.destroy(),
  };
}

async function until(condition: () => boolean, what: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Content files in the hash store (records and temp files left out), by walking its folders. */
function blobFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name));
      else if (!entry.name.endsWith('.json')) found.push(entry.name);
    }
  };
  walk(path.join(root, 'sha256'));
  return found;
}

for (const backend of testBackends()) {
  describe(`concurrent uploads per user (${backend.name})`, () => {
    const LIMIT = 2;
    let server: TestServer;
    let port: number;
    let alice: User;
    let bob: User;
    let aliceProduct: number;
    let bobProduct: number;
    const tempFiles = () => readdirSync(path.join(server.config.blobDir, 'tmp')).filter((name) => name.endsWith('.blob')).length;
    const held: HeldUpload[] = [];
    const hold = (user: User, productId: number, size = FILE_BYTES): HeldUpload => {
      const upload = holdUpload(port, user.auth, productId, randomBytes(size));
      held.push(upload);
      return upload;
    };
    /** Starts `count` uploads and waits until the hash store is receiving every one of them. */
    const holdInProgress = async (count: number, size = FILE_BYTES): Promise<HeldUpload[]> => {
      const before = tempFiles();
      const uploads = Array.from({ length: count }, () => hold(alice, aliceProduct, size));
      await until(() => tempFiles() === before + count, () => `${tempFiles() - before} of ${count} uploads in progress`);
      return uploads;
    };
    /** One more upload now must be refused: 429 naming the limit, and neither its bytes nor an event kept. */
    const expectRefused = async () => {
      const content = randomBytes(FILE_BYTES);
      const upload = holdUpload(port, alice.auth, aliceProduct, content);
      const answer = await upload.answer;
      upload.abort();
      expect(answer.status).toBe(429);
      expect(answer.body).toMatchObject({ code: 'TOO_MANY_UPLOADS', detail: expect.stringMatching(new RegExp(`at most ${LIMIT} .*MAX_CONCURRENT_UPLOADS_PER_USER`)) });
      expect(await server.deps.blobs.has(sha256(content))).toBe(false);
      const events = await server.deps.store.readStream(streamName('product', aliceProduct));
      expect(events.some((e) => (e.data as { sha256?: string }).sha256 === sha256(content))).toBe(false);
    };
    const inject = async (user: User, productId: number, content: Buffer) => {
      const form = multipartForm([{ name: 'product', value: String(productId) }, { name: 'role', value: '2' }, { name: 'file', filename: 'quick.bin', content }]);
      const response = await server.app.inject({ method: 'POST', url: '/api/product-files/', payload: form.payload, headers: { ...form.headers, authorization: user.auth } });
      return { status: response.statusCode, body: JSON.parse(response.body) as Json };
    };

    beforeAll(async () => {
      server = await startTestServer(backend, { MAX_CONCURRENT_UPLOADS_PER_USER: String(LIMIT), MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
      await server.app.listen({ host: '127.0.0.1', port: 0 });
      port = (server.app.server.address() as AddressInfo).port;
      alice = await server.createUser('alice');
      bob = await server.createUser('bob');
      const create = async (user: User) => {
        const created = await server.app.inject({ method: 'POST', url: '/api/products/', headers: { authorization: user.auth }, payload: { display_name: 'Uploads', product_type: 'training_set' } });
        return (JSON.parse(created.body) as { id: number }).id;
      };
      aliceProduct = await create(alice);
      bobProduct = await create(bob);
    }, 240_000);
    afterAll(async () => {
      for (const upload of held) upload.abort();
      await server.stop();
    });

    it(`refuses the upload past ${LIMIT} in progress for one user with 429, and other users are not held back`, async () => {
      const [first, second] = await holdInProgress(LIMIT);
      await expectRefused();
      expect((await inject(bob, bobProduct, randomBytes(1000))).status).toBe(201);
      expect((await first?.finish())?.status).toBe(201);
      expect((await second?.finish())?.status).toBe(201);
    });

    it('frees the slot when an upload completes', async () => {
      const [first, second] = await holdInProgress(LIMIT);
      expect((await first?.finish())?.status).toBe(201);
      const [third] = await holdInProgress(1);
      await expectRefused();
      expect((await second?.finish())?.status).toBe(201);
      expect((await third?.finish())?.status).toBe(201);
    });

    it('frees the slot when an upload fails, mid-body or at once', async () => {
      const oversized = await holdInProgress(LIMIT, MAX_UPLOAD_BYTES + 50_000);
      for (const upload of oversized) expect((await upload.finish()).status).toBe(413);
      expect((await inject(alice, bobProduct, randomBytes(1000))).status).toBe(403);
      expect((await inject(alice, aliceProduct, Buffer.alloc(0))).status).toBe(400);
      expect((await inject(alice, 999_999, randomBytes(1000))).status).toBe(404);
      const again = await holdInProgress(LIMIT);
      await expectRefused();
      for (const upload of again) expect((await upload.finish()).status).toBe(201);
    });

    it('frees the slot when the client goes away mid-upload', async () => {
      const abandoned = await holdInProgress(LIMIT);
      for (const upload of abandoned) upload.abort();
      await until(() => tempFiles() === 0, () => `${tempFiles()} temp files left`);
      const again = await holdInProgress(LIMIT);
      await expectRefused();
      for (const upload of again) expect((await upload.finish()).status).toBe(201);
    });
  });

  describe(`the same content uploaded 50 times at once (${backend.name})`, () => {
    const UPLOADS = 50;
    let server: TestServer;
    let port: number;
    let alice: User;

    beforeAll(async () => {
      server = await startTestServer(backend, { MAX_CONCURRENT_UPLOADS_PER_USER: String(UPLOADS + 14) });
      await server.app.listen({ host: '127.0.0.1', port: 0 });
      port = (server.app.server.address() as AddressInfo).port;
      alice = await server.createUser('alice');
    }, 240_000);
    afterAll(async () => server.stop());

    it('is stored once in the hash store, and every event names that one sha256', async () => {
      const products: number[] = [];
      for (let i = 0; i < UPLOADS; i++) {
        const created = await server.app.inject({ method: 'POST', url: '/api/products/', headers: { authorization: alice.auth }, payload: { display_name: `Copy ${i}`, product_type: 'training_set' } });
        products.push((JSON.parse(created.body) as { id: number }).id);
      }
      const content = randomBytes(256 * 1024);
      const before = blobFiles(server.config.blobDir);
      const tempFiles = () => readdirSync(path.join(server.config.blobDir, 'tmp')).filter((name) => name.endsWith('.blob')).length;

      const uploads = products.map((productId) => holdUpload(port, alice.auth, productId, content));
      // All fifty are being written at the same moment before any of them may finish.
      await until(() => tempFiles() === UPLOADS, () => `${tempFiles()} of ${UPLOADS} uploads in progress`, 30_000);
      const answers = await Promise.all(uploads.map((upload) => upload.finish()));

      expect(answers.map((a) => a.status)).toEqual(products.map(() => 201));
      expect(new Set(answers.map((a) => a.body.sha256))).toEqual(new Set([sha256(content)]));
      const events = await Promise.all(products.map(async (id) => (await server.deps.store.readStream(streamName('product', id))).filter((e) => e.type === 'ProductFileAttached')));
      expect(events.map((e) => e.map((event) => (event.data as { sha256: string }).sha256))).toEqual(products.map(() => [sha256(content)]));
      const after = blobFiles(server.config.blobDir);
      expect(after.filter((name) => !before.includes(name))).toEqual([sha256(content)]);
      expect(tempFiles()).toBe(0);
    });
  });
}
