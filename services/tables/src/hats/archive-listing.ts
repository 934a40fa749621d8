import { createReadStream, createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { openPromise, type Entry, type ZipFile } from 'yauzl';
import { capBytes, ExtractionCapExceeded } from '../archive/extraction-cap';

/** One file of an archive, by its path inside it ('/'-separated, as stored). */
export interface ArchiveFile {
  readonly name: string;
  readonly size: number;
}

/** An archive's file list, and a way to copy some of its files out. */
export interface ArchiveListing {
  readonly files: readonly ArchiveFile[];
  /** Names of members whose path could escape a directory (absolute, `..`, drive letters). */
  readonly unsafe: readonly string[];
  /** Copies each named member to its destination path, each capped at `limit` bytes. */
  extract(destinations: ReadonlyMap<string, string>, limit: number): Promise<void>;
  close(): void;
}

export type ListedArchiveKind = 'zip' | 'tar' | 'tar.gz';

/** An absolute path, a drive letter or a `..` step: extracting by this name would write outside the target. */
export const isUnsafePath = (name: string): boolean =>
  name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.split('/').some((part) => part === '..');

const zipName = (entry: Entry): string => (typeof entry.fileName === 'string' ? entry.fileName : entry.fileName.toString('utf8')).replace(/\\/g, '/');

async function listZip(archivePath: string): Promise<ArchiveListing> {
  const zip: ZipFile = await openPromise(archivePath, { autoClose: false, decodeStrings: false, validateEntrySizes: true });
  const entries = new Map<string, Entry>();
  const unsafe: string[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      const name = zipName(entry);
      if (isUnsafePath(name)) unsafe.push(name);
      else if (!name.endsWith('/')) entries.set(name, entry);
    }
  } catch (cause) {
    zip.close();
    throw cause;
  }
  return {
    files: [...entries].map(([name, entry]) => ({ name, size: entry.uncompressedSize })),
    unsafe,
    async extract(destinations, limit) {
      for (const [name, destination] of destinations) {
        const entry = entries.get(name);
        if (!entry) throw new Error(`${name} is not in the archive`);
        if (entry.isEncrypted()) throw new Error(`the member ${name} is encrypted`);
        if (!entry.canDecodeFileData()) throw new Error(`the member ${name} uses compression method ${entry.compressionMethod} (only stored and deflate are supported)`);
        if (entry.uncompressedSize > limit) throw new ExtractionCapExceeded(limit);
        await pipeline(await zip.openReadStreamPromise(entry), capBytes(limit), createWriteStream(destination, { flags: 'wx' }));
      }
    },
    close: () => zip.close(),
  };
}

const drain = (stream: Readable): Promise<void> =>
  new Promise((resolve, reject) => {
    stream.on('end', resolve).on('error', reject).resume();
  });

/** One streaming pass over a tar (gzipped or not), handing each regular file to `visit`. */
async function walkTar(archivePath: string, gzipped: boolean, limit: number, visit: (name: string, size: number, stream: Readable) => Promise<void>): Promise<void> {
  const entries = extract();
  const feeding = pipeline([createReadStream(archivePath), ...(gzipped ? [createGunzip()] : []), capBytes(limit), entries]).then(
    () => null,
    (cause: unknown) => cause,
  );
  try {
    for await (const entry of entries) {
      const stream = entry as unknown as Readable;
      const { header } = entry;
      if (header.type === 'file' || header.type === 'contiguous-file') await visit(header.name.replace(/\\/g, '/'), header.size ?? 0, stream);
      else await drain(stream);
    }
  } catch (cause) {
    entries.destroy();
    throw (await feeding) ?? cause;
  }
  const failure = await feeding;
  if (failure) throw failure;
}

async function listTar(archivePath: string, gzipped: boolean, streamLimit: number): Promise<ArchiveListing> {
  const files: ArchiveFile[] = [];
  const unsafe: string[] = [];
  await walkTar(archivePath, gzipped, streamLimit, async (name, size, stream) => {
    if (isUnsafePath(name)) unsafe.push(name);
    else files.push({ name, size });
    await drain(stream);
  });
  return {
    files,
    unsafe,
    async extract(destinations, limit) {
      await walkTar(archivePath, gzipped, streamLimit, async (name, _size, stream) => {
        const destination = destinations.get(name);
        if (destination === undefined) return drain(stream);
        await pipeline(stream, capBytes(limit), createWriteStream(destination, { flags: 'wx' }));
      });
    },
    close: () => undefined,
  };
}

/** Lists a zip, tar or tar.gz. `streamLimit` caps a tar's whole decompressed stream (zip bomb defence). */
export function listArchive(archivePath: string, kind: ListedArchiveKind, streamLimit: number): Promise<ArchiveListing> {
  if (kind === 'zip') return listZip(archivePath);
  return listTar(archivePath, kind === 'tar.gz', streamLimit);
}
