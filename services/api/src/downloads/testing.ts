import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { streamName } from '@pz/contracts';
import { productDecider } from '@pz/domain';
import { systemContext } from '../commands/command-context';
import type { AppDeps } from '../deps';

/**
 * Test helpers: products with files set up without the upload route, and zips checked with
 * readers we did not write — CPython's `zipfile` (which verifies each member's CRC-32 as it reads
 * it, and reads ZIP64) and Info-ZIP's `unzip -t`.
 */
export interface InspectedEntry {
  readonly name: string;
  readonly size: number;
  readonly compressedSize: number;
  /** 0 = stored. */
  readonly method: number;
  readonly crc32: number;
  readonly headerOffset: number;
  /** sha256 (hex) of the content as read back, CRC-checked; null for members over 64 MiB (not read whole). */
  readonly sha256: string | null;
  /** The content, for members under 1 MiB. */
  readonly content: Buffer | null;
}

const run = promisify(execFile);

/** Members above this are only opened (local header checked) and their first MiB read. */
const FULL_READ_LIMIT = 64 * 1024 * 1024;

const INSPECT = `
import base64, hashlib, json, sys, zipfile
limit = int(sys.argv[2])
out = []
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        digest = hashlib.sha256()
        small = bytearray()
        with z.open(info) as member:
            if info.file_size > limit:
                member.read(1 << 20)
                digest = None
            else:
                while True:
                    chunk = member.read(1 << 22)
                    if not chunk:
                        break
                    digest.update(chunk)
                    if info.file_size < (1 << 20):
                        small += chunk
        out.append({"name": info.filename, "size": info.file_size, "compressedSize": info.compress_size,
                    "method": info.compress_type, "crc32": info.CRC, "headerOffset": info.header_offset,
                    "sha256": digest.hexdigest() if digest else None,
                    "content": base64.b64encode(bytes(small)).decode() if info.file_size < (1 << 20) else None})
print(json.dumps(out))
`;

export const hasPython = ((): boolean => {
  try {
    execFileSync('python3', ['-c', 'import zipfile'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export const hasUnzip = ((): boolean => {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Every member of the zip at `path` as Python reads it back; members up to 64 MiB are read whole
 * (so their CRC-32 is checked). Throws on a bad CRC or structure.
 */
export async function inspectZip(path: string): Promise<InspectedEntry[]> {
  const { stdout } = await run('python3', ['-c', INSPECT, path, String(FULL_READ_LIMIT)], { maxBuffer: 256 * 1024 * 1024 });
  const parsed = JSON.parse(stdout) as (Omit<InspectedEntry, 'content'> & { content: string | null })[];
  return parsed.map((e) => ({ ...e, content: e.content === null ? null : Buffer.from(e.content, 'base64') }));
}

/** `unzip -t`: Info-ZIP's integrity test of every member (CRCs included); resolves with its report. */
export async function unzipTest(path: string): Promise<string> {
  const { stdout } = await run('unzip', ['-t', path], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** A file to attach to a product in a test, without the upload route: bytes go straight to the blob store. */
export interface TestFile {
  readonly name: string;
  readonly role: 0 | 1 | 2;
  readonly content: Buffer;
  readonly mimeType?: string;
}

export async function attachTestFile(deps: AppDeps, productId: number, ownerId: number, file: TestFile): Promise<number> {
  const written = await deps.blobs.write(Readable.from([file.content]));
  if (!written.ok) throw new Error(written.error.message);
  const [fileId] = await deps.allocateIds('file');
  const extension = path.extname(file.name);
  const attached = await deps.bus.execute(productDecider, streamName('product', productId), {
    type: 'AttachProductFile',
    caller: { userId: ownerId, isAdmin: false },
    file: {
      fileId: fileId as number, role: file.role, name: file.name, mimeType: file.mimeType ?? 'application/octet-stream', extension,
      size: written.value.size, sha256: written.value.sha256, crc32: written.value.crc32, stored: true,
    },
  }, systemContext(randomUUID()));
  if (!attached.ok) throw new Error(attached.error.message);
  return fileId as number;
}

/** Registers the main file's columns as the registry would, then maps the given `column → alias/ucd`. */
export async function registerTestColumns(deps: AppDeps, productId: number, ownerId: number, fileId: number, columns: readonly string[], roles: Record<string, { alias: string; ucd: string }>): Promise<void> {
  const caller = { userId: ownerId, isAdmin: false };
  const stream = streamName('product', productId);
  const registered = await deps.bus.execute(productDecider, stream, {
    type: 'RegisterProductContents', caller,
    contents: { fileId, format: 'csv', nRows: 2, details: { delimiter: ',' }, columns: columns.map((name) => ({ name, type: 'float64' })) },
    newColumnIds: await deps.allocateIds('column', columns.length),
  }, systemContext(randomUUID()));
  if (!registered.ok) throw new Error(registered.error.message);
  for (const [columnName, role] of Object.entries(roles)) {
    const associated = await deps.bus.execute(productDecider, stream, { type: 'AssociateColumn', caller, columnName, ucd: role.ucd, alias: role.alias }, systemContext(randomUUID()));
    if (!associated.ok) throw new Error(associated.error.message);
  }
}
