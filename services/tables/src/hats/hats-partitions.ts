import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ok, type Result } from '@pz/contracts';
import { extractionLimit } from '../archive/extraction-cap';
import { gzipHoldsTar } from '../archive/gzip-member';
import { tableFailure, type TableError } from '../errors';
import { listArchive, type ArchiveListing, type ListedArchiveKind } from './archive-listing';
import { parseProperties } from './hats-properties';
import { findCatalog, join, normalize, parentOf, partitionFiles, PROPERTIES_NAMES } from './hats-table';

/**
 * The partition files of a HATS catalog uploaded as an archive, for a reader that wants every
 * row (a pipeline), not a window: the catalog (a collection's primary one, or the top-most), its
 * RA/Dec columns as its properties name them, and its partitions in (order, pixel) order, copied
 * out a batch at a time so that never more than about `batchBytes` of them sit on disk at once.
 */
export interface HatsPartitions {
  readonly catalogPath: string;
  readonly raColumn: string | null;
  readonly decColumn: string | null;
  /** Every partition file, in order. */
  readonly files: readonly { readonly member: string; readonly size: number }[];
  /** Copies the batch's members into `dir` (one pass over a tar), calls `visit` with each local path in order, then removes them. */
  forEachBatch(dir: string, visit: (localPath: string, member: string) => Promise<void>): Promise<void>;
  close(): void;
}

const BATCH_BYTES = 512 * 1024 * 1024;

/** Opens the archive as a HATS catalog; null when it is not one (another archive). */
export async function openHatsPartitions(filePath: string, kind: 'zip' | 'gzip' | 'tar', maxExtractedBytes: number, batchBytes = BATCH_BYTES): Promise<Result<HatsPartitions, TableError> | null> {
  let listedKind: ListedArchiveKind;
  if (kind === 'gzip') {
    if (!(await gzipHoldsTar(filePath))) return null;
    listedKind = 'tar.gz';
  } else listedKind = kind;
  const limit = extractionLimit((await stat(filePath)).size, maxExtractedBytes);
  const listing: ArchiveListing = await listArchive(filePath, listedKind, limit);
  const names = new Set(listing.files.map((f) => f.name));
  const found = findCatalog(names);
  if (found === null) {
    listing.close();
    return null;
  }
  if (!found.ok || listing.unsafe.length > 0) {
    listing.close();
    return found.ok ? tableFailure('TABLE_ARCHIVE_INVALID', `The HATS archive holds a member whose path leaves its directory (${listing.unsafe[0]}): refused.`) : found;
  }
  let { root, propertiesMember } = found.value;
  const sizes = new Map(listing.files.map((f) => [f.name, f.size]));
  const readSmall = async (member: string, dir: string): Promise<Map<string, string>> => {
    const local = path.join(dir, 'properties');
    await listing.extract(new Map([[member, local]]), limit);
    return parseProperties(await readFile(local, 'utf8'));
  };
  const collectionMember = found.value.collectionMember;
  const files = (): { member: string; size: number }[] => {
    const byPartition = partitionFiles([...names], root);
    const keys = [...byPartition.keys()].sort((a, b) => {
      const [ao = 0, ap = 0] = a.split('/').map(Number);
      const [bo = 0, bp = 0] = b.split('/').map(Number);
      return ao - bo || ap - bp;
    });
    return keys.flatMap((key) => (byPartition.get(key) ?? []).map((member) => ({ member, size: sizes.get(member) ?? 0 })));
  };
  let properties = new Map<string, string>();
  const scratch = await mkdtemp(path.join(tmpdir(), 'pz-hats-props-'));
  try {
    if (collectionMember !== null) {
      const collection = await readSmall(collectionMember, scratch);
      const primary = collection.get('hats_primary_table_url');
      if (!primary) return fail(listing, 'collection.properties names no primary catalog (hats_primary_table_url).');
      root = normalize(join(parentOf(collectionMember), primary));
      propertiesMember = PROPERTIES_NAMES.map((n) => join(root, n)).find((n) => names.has(n)) ?? '';
      await rm(path.join(scratch, 'properties'), { force: true });
    }
    if (propertiesMember !== '') properties = await readSmall(propertiesMember, scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const partitions = files();
  if (partitions.length === 0) return fail(listing, 'The HATS catalog has no partition file (dataset/Norder=*/Dir=*/Npix=*).');
  return ok({
    catalogPath: root,
    raColumn: properties.get('hats_col_ra') ?? null,
    decColumn: properties.get('hats_col_dec') ?? null,
    files: partitions,
    async forEachBatch(dir, visit) {
      let at = 0;
      while (at < partitions.length) {
        const batch: { member: string; size: number }[] = [];
        let bytes = 0;
        while (at < partitions.length && (batch.length === 0 || bytes + (partitions[at]?.size ?? 0) <= batchBytes)) {
          const part = partitions[at] as { member: string; size: number };
          batch.push(part);
          bytes += part.size;
          at += 1;
        }
        const locals = new Map(batch.map((part, i) => [part.member, path.join(dir, `partition-${at}-${i}.parquet`)]));
        await listing.extract(locals, limit);
        try {
          for (const part of batch) await visit(locals.get(part.member) as string, part.member);
        } finally {
          await Promise.all([...locals.values()].map((local) => rm(local, { force: true })));
        }
      }
    },
    close: () => listing.close(),
  });
}

function fail(listing: ArchiveListing, message: string): Result<never, TableError> {
  listing.close();
  return tableFailure('TABLE_ARCHIVE_INVALID', message);
}
