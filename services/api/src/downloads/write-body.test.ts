import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesReader, type ByteReader } from '@pz/blobs';
import { writeBody } from './write-body';

const MiB = 1 << 20;

/** A reader over `bytes` that records the buffers it was given and whether it was closed. */
function watchedReader(bytes: Uint8Array, options: { endEarlyAt?: number } = {}) {
  const inner = bytesReader(options.endEarlyAt === undefined ? bytes : bytes.subarray(0, options.endEarlyAt));
  const buffers = new Set<ArrayBufferLike>();
  const state = { closed: false, reads: 0 };
  const reader: ByteReader = {
    async read(into) {
      buffers.add(into.buffer);
      state.reads += 1;
      return inner.read(into);
    },
    async close() {
      state.closed = true;
    },
  };
  return { reader, buffers, state };
}

let server: http.Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Serves one answer written by writeBody; resolves with how writeBody ended. */
async function serve(reader: ByteReader, length: number): Promise<{ url: string; finished: Promise<unknown> }> {
  let settle!: (outcome: unknown) => void;
  const finished = new Promise<unknown>((resolve) => (settle = resolve));
  server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-length': String(length) });
    writeBody(response, reader, length).then(
      () => settle('done'),
      (error: unknown) => {
        response.destroy();
        settle(error);
      },
    );
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, finished };
}

function get(url: string, options: { abortAfterBytes?: number } = {}): Promise<{ bytes: Buffer; complete: boolean }> {
  return new Promise((resolve) => {
    const request = http.get(url, (response) => {
      const chunks: Buffer[] = [];
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (options.abortAfterBytes !== undefined && received >= options.abortAfterBytes) request.destroy();
      });
      response.on('end', () => resolve({ bytes: Buffer.concat(chunks), complete: response.complete }));
      response.on('error', () => resolve({ bytes: Buffer.concat(chunks), complete: false }));
      response.on('close', () => resolve({ bytes: Buffer.concat(chunks), complete: response.complete }));
    });
    request.on('error', () => resolve({ bytes: Buffer.alloc(0), complete: false }));
  });
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('writeBody', () => {
  it('sends every byte through at most four buffers, reused, and closes the reader', async () => {
    const content = Buffer.alloc(20 * MiB + 123);
    for (let i = 0; i < content.length; i += 4096) content.writeUInt32LE(i, i);
    const { reader, buffers, state } = watchedReader(content);
    const { url, finished } = await serve(reader, content.length);
    const answer = await get(url);
    expect(answer.complete).toBe(true);
    expect(sha256(answer.bytes)).toBe(sha256(content));
    expect(await finished).toBe('done');
    expect(state.reads).toBeGreaterThanOrEqual(21);
    expect(buffers.size).toBeLessThanOrEqual(4);
    expect(state.closed).toBe(true);
  });

  it('fails when the content ends before the announced length, and the client sees a cut answer', async () => {
    const content = Buffer.alloc(3 * MiB, 7);
    const { reader, state } = watchedReader(content, { endEarlyAt: 2 * MiB + 5 });
    const { url, finished } = await serve(reader, content.length);
    const answer = await get(url);
    expect(answer.complete).toBe(false);
    expect(String(await finished)).toMatch(/ended 1048571 bytes before the announced length of 3145728/);
    expect(state.closed).toBe(true);
  });

  it('stops reading and closes the reader when the client goes away', async () => {
    const content = Buffer.alloc(512 * MiB);
    const { reader, state } = watchedReader(content);
    const { url, finished } = await serve(reader, content.length);
    await get(url, { abortAfterBytes: 2 * MiB });
    expect(await finished).toBe('done');
    expect(state.closed).toBe(true);
    expect(state.reads).toBeLessThan(256);
  });
});
