import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { streamName } from '@pz/contracts';
import { productDecider } from '@pz/domain';
import { systemContext } from '../commands/command-context';
import type { TestServer } from '../testing';

export type Json = Record<string, unknown>;

/** The repository root: the nearest folder above this file whose package.json declares the workspaces. */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && 'workspaces' in (JSON.parse(readFileSync(manifest, 'utf8')) as object)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
}

/** A file of the shared real-data folder that sits beside the repository. */
export const sharedData = (...parts: string[]): string => path.join(repoRoot(), '..', 'shared', 'data', ...parts);

/** HTTP calls through `inject`, with a JSON or form body, answering the status and parsed JSON. */
export function httpClient(server: TestServer) {
  return async (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'OPTIONS', url: string, auth: string | null, body?: Json | URLSearchParams) => {
    const form = body instanceof URLSearchParams;
    const response = await server.app.inject({
      method,
      url,
      headers: { ...(auth ? { authorization: auth } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(body === undefined ? {} : { payload: form ? body.toString() : body }),
    });
    return { status: response.statusCode, body: (response.body ? JSON.parse(response.body) : {}) as Json };
  };
}

export async function createProduct(server: TestServer, auth: string, productType: string, displayName = `${productType} sample`): Promise<number> {
  const created = await httpClient(server)('POST', '/api/products/', auth, { display_name: displayName, product_type: productType });
  if (created.status !== 201) throw new Error(`product not created: ${JSON.stringify(created.body)}`);
  return created.body.id as number;
}

/**
 * Attaches a main file as the upload route would, without it: bytes into the hash store and one
 * `AttachProductFile`. `stored: false` records the metadata only, as for an over-limit estimate.
 */
export async function attachMainFile(server: TestServer, productId: number, ownerId: number, filePath: string, options: { name?: string; mimeType?: string; stored?: boolean } = {}): Promise<number> {
  const { deps } = server;
  const written = await deps.blobs.write(createReadStream(filePath));
  if (!written.ok) throw new Error(written.error.message);
  const [fileId] = await deps.allocateIds('file');
  const name = options.name ?? path.basename(filePath);
  const attached = await deps.bus.execute(productDecider, streamName('product', productId), {
    type: 'AttachProductFile',
    caller: { userId: ownerId, isAdmin: false },
    file: {
      fileId: fileId as number, role: 0, name, mimeType: options.mimeType ?? 'application/octet-stream', extension: path.extname(name),
      size: written.value.size, sha256: written.value.sha256, crc32: written.value.crc32, stored: options.stored ?? true,
    },
  }, systemContext(randomUUID()));
  if (!attached.ok) throw new Error(attached.error.message);
  return fileId as number;
}
