import type { ByteRange, ByteReader } from '@pz/blobs';

/**
 * One member of a stored zip. Its size and CRC-32 must be known before the archive is laid out:
 * that is what makes the archive's length, and every byte offset in it, computable up front.
 */
export interface ZipEntrySource {
  /** The name inside the archive, already made safe (see `entry-names.ts`). */
  readonly name: string;
  readonly size: number;
  /** CRC-32 (IEEE) of the content, as an unsigned 32-bit integer. */
  readonly crc32: number;
  readonly modifiedAt: Date;
  /** The content's bytes `start..end`, both inclusive; never called for an empty slice. */
  open(range: Required<ByteRange>): Promise<ByteReader> | ByteReader;
}

export interface LaidOutEntry {
  readonly name: string;
  readonly size: number;
  readonly headerOffset: number;
  readonly dataOffset: number;
}

/** A stored (uncompressed) zip whose every byte is known by position, without reading content. */
export interface StoredZip {
  readonly size: number;
  readonly entries: readonly LaidOutEntry[];
  /** Bytes `start..end` of the archive (both inclusive, like HTTP `Range`); the whole archive by default. */
  reader(range?: ByteRange): ByteReader;
}

const MAX_U32 = 0xffff_ffff;
const MAX_U16 = 0xffff;
const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EXTRA = 0x0001;
/** General purpose flag bit 11: names are UTF-8. */
const UTF8_NAMES = 0x0800;
const VERSION_DEFAULT = 20;
const VERSION_ZIP64 = 45;
/** Made by Unix (high byte 3), so the external attributes below are read as a file mode. */
const MADE_BY_UNIX = (3 << 8) | VERSION_ZIP64;
const REGULAR_FILE_0644 = (0o100644 << 16) >>> 0;

type Segment =
  | { readonly offset: number; readonly length: number; readonly bytes: Buffer }
  | { readonly offset: number; readonly length: number; readonly entry: ZipEntrySource };

/**
 * Lays out a stored zip (method 0, no data descriptors: sizes and CRCs go in the headers).
 * ZIP64 records are written only where a size or offset reaches 4 GiB or the entry count reaches
 * 65535, so ordinary archives stay readable by every tool. Only headers live in memory.
 */
export function layOutStoredZip(sources: readonly ZipEntrySource[]): StoredZip {
  const segments: Segment[] = [];
  const entries: LaidOutEntry[] = [];
  const centralHeaders: Buffer[] = [];
  let offset = 0;
  const append = (bytes: Buffer) => {
    segments.push({ offset, length: bytes.length, bytes });
    offset += bytes.length;
  };

  for (const source of sources) {
    if (!Number.isSafeInteger(source.size) || source.size < 0) throw new RangeError(`zip entry "${source.name}": invalid size ${source.size}`);
    if (!Number.isInteger(source.crc32) || source.crc32 < 0 || source.crc32 > MAX_U32) throw new RangeError(`zip entry "${source.name}": invalid CRC-32 ${source.crc32}`);
    const name = Buffer.from(source.name, 'utf8');
    if (name.length === 0 || name.length > MAX_U16) throw new RangeError(`zip entry name must be 1 to ${MAX_U16} bytes`);
    const headerOffset = offset;
    const dos = dosDateTime(source.modifiedAt);
    append(localHeader(name, source, dos));
    const dataOffset = offset;
    segments.push({ offset, length: source.size, entry: source });
    offset += source.size;
    entries.push({ name: source.name, size: source.size, headerOffset, dataOffset });
    centralHeaders.push(centralHeader(name, source, dos, headerOffset));
  }

  const centralDirectoryOffset = offset;
  const centralDirectory = Buffer.concat(centralHeaders);
  append(centralDirectory);
  append(endOfCentralDirectory(entries.length, centralDirectory.length, centralDirectoryOffset, offset));
  const size = offset;

  const reader = (range: ByteRange = {}): ByteReader => {
    const start = range.start ?? 0;
    const end = range.end ?? size - 1;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end >= size || start > end + 1) {
      throw new RangeError(`byte range ${start}-${end} is outside an archive of ${size} bytes`);
    }
    return new ArchiveRangeReader(segments, start, end + 1);
  };
  return {
    size,
    entries,
    reader,
  };
}

/**
 * The archive's bytes in [from, to), one segment after the other; an entry's content is opened
 * only when reached and closed once its bytes are read. An entry whose content ends before its
 * recorded size fails the read: the headers already promised that size, and a shorter entry
 * would shift every later offset.
 */
class ArchiveRangeReader implements ByteReader {
  private position: number;
  private segment = 0;
  private open: { readonly reader: ByteReader; readonly end: number } | undefined;
  private closed = false;

  constructor(
    private readonly segments: readonly Segment[],
    from: number,
    private readonly to: number,
  ) {
    this.position = from;
  }

  async read(into: Uint8Array): Promise<number> {
    if (this.closed) throw new Error('read after close');
    let filled = 0;
    while (filled < into.length && this.position < this.to) {
      const segment = this.segments[this.segment];
      if (segment === undefined) break;
      const segmentEnd = Math.min(this.to, segment.offset + segment.length);
      if (this.position >= segmentEnd) {
        this.segment += 1;
        continue;
      }
      const wanted = Math.min(into.length - filled, segmentEnd - this.position);
      if ('bytes' in segment) {
        const from = this.position - segment.offset;
        into.set(segment.bytes.subarray(from, from + wanted), filled);
        filled += wanted;
        this.position += wanted;
        continue;
      }
      this.open ??= {
        reader: await segment.entry.open({ start: this.position - segment.offset, end: segmentEnd - segment.offset - 1 }),
        end: segmentEnd,
      };
      const count = await this.open.reader.read(into.subarray(filled, filled + wanted));
      if (count === 0) {
        const missing = this.open.end - this.position;
        await this.closeEntry();
        throw new Error(`zip entry "${segment.entry.name}" ended ${missing} bytes before its recorded size of ${segment.length}`);
      }
      filled += count;
      this.position += count;
      if (this.position === this.open.end) await this.closeEntry();
    }
    return filled;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.closeEntry();
  }

  private async closeEntry(): Promise<void> {
    const open = this.open;
    this.open = undefined;
    await open?.reader.close();
  }
}

function localHeader(name: Buffer, source: ZipEntrySource, dos: DosDateTime): Buffer {
  const zip64 = source.size >= MAX_U32;
  // In a local header the ZIP64 extra field, when present, must hold both sizes.
  const extra = zip64 ? zip64Extra([source.size, source.size]) : Buffer.alloc(0);
  const header = Buffer.alloc(30);
  header.writeUInt32LE(LOCAL_HEADER, 0);
  header.writeUInt16LE(zip64 ? VERSION_ZIP64 : VERSION_DEFAULT, 4);
  header.writeUInt16LE(UTF8_NAMES, 6);
  header.writeUInt16LE(0, 8);
  header.writeUInt16LE(dos.time, 10);
  header.writeUInt16LE(dos.date, 12);
  header.writeUInt32LE(source.crc32, 14);
  header.writeUInt32LE(zip64 ? MAX_U32 : source.size, 18);
  header.writeUInt32LE(zip64 ? MAX_U32 : source.size, 22);
  header.writeUInt16LE(name.length, 26);
  header.writeUInt16LE(extra.length, 28);
  return Buffer.concat([header, name, extra]);
}

function centralHeader(name: Buffer, source: ZipEntrySource, dos: DosDateTime, headerOffset: number): Buffer {
  const bigSize = source.size >= MAX_U32;
  const bigOffset = headerOffset >= MAX_U32;
  // Only the fields whose 32-bit slot holds 0xFFFFFFFF go in the extra field, in this order.
  const wide = [...(bigSize ? [source.size, source.size] : []), ...(bigOffset ? [headerOffset] : [])];
  const extra = wide.length > 0 ? zip64Extra(wide) : Buffer.alloc(0);
  const header = Buffer.alloc(46);
  header.writeUInt32LE(CENTRAL_HEADER, 0);
  header.writeUInt16LE(MADE_BY_UNIX, 4);
  header.writeUInt16LE(wide.length > 0 ? VERSION_ZIP64 : VERSION_DEFAULT, 6);
  header.writeUInt16LE(UTF8_NAMES, 8);
  header.writeUInt16LE(0, 10);
  header.writeUInt16LE(dos.time, 12);
  header.writeUInt16LE(dos.date, 14);
  header.writeUInt32LE(source.crc32, 16);
  header.writeUInt32LE(bigSize ? MAX_U32 : source.size, 20);
  header.writeUInt32LE(bigSize ? MAX_U32 : source.size, 24);
  header.writeUInt16LE(name.length, 28);
  header.writeUInt16LE(extra.length, 30);
  header.writeUInt16LE(0, 32);
  header.writeUInt16LE(0, 34);
  header.writeUInt16LE(0, 36);
  header.writeUInt32LE(REGULAR_FILE_0644, 38);
  header.writeUInt32LE(bigOffset ? MAX_U32 : headerOffset, 42);
  return Buffer.concat([header, name, extra]);
}

function zip64Extra(values: readonly number[]): Buffer {
  const extra = Buffer.alloc(4 + 8 * values.length);
  extra.writeUInt16LE(ZIP64_EXTRA, 0);
  extra.writeUInt16LE(8 * values.length, 2);
  values.forEach((value, index) => extra.writeBigUInt64LE(BigInt(value), 4 + 8 * index));
  return extra;
}

function endOfCentralDirectory(count: number, directorySize: number, directoryOffset: number, zip64RecordOffset: number): Buffer {
  const zip64 = count >= MAX_U16 || directorySize >= MAX_U32 || directoryOffset >= MAX_U32;
  const parts: Buffer[] = [];
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(ZIP64_END_OF_CENTRAL_DIRECTORY, 0);
    // Size of the rest of this record (everything after these 12 bytes).
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(MADE_BY_UNIX, 12);
    record.writeUInt16LE(VERSION_ZIP64, 14);
    record.writeUInt32LE(0, 16);
    record.writeUInt32LE(0, 20);
    record.writeBigUInt64LE(BigInt(count), 24);
    record.writeBigUInt64LE(BigInt(count), 32);
    record.writeBigUInt64LE(BigInt(directorySize), 40);
    record.writeBigUInt64LE(BigInt(directoryOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(ZIP64_LOCATOR, 0);
    locator.writeUInt32LE(0, 4);
    locator.writeBigUInt64LE(BigInt(zip64RecordOffset), 8);
    locator.writeUInt32LE(1, 16);
    parts.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(Math.min(count, MAX_U16), 8);
  end.writeUInt16LE(Math.min(count, MAX_U16), 10);
  end.writeUInt32LE(Math.min(directorySize, MAX_U32), 12);
  end.writeUInt32LE(Math.min(directoryOffset, MAX_U32), 16);
  end.writeUInt16LE(0, 20);
  parts.push(end);
  return Buffer.concat(parts);
}

interface DosDateTime {
  readonly date: number;
  readonly time: number;
}

/** MS-DOS date and time (2-second steps, 1980–2107), taken in UTC so the bytes never depend on the server's zone. */
function dosDateTime(at: Date): DosDateTime {
  const clamped = Math.min(Math.max(at.getTime(), Date.UTC(1980, 0, 1)), Date.UTC(2107, 11, 31, 23, 59, 58));
  const d = new Date(Number.isFinite(clamped) ? clamped : Date.UTC(1980, 0, 1));
  return {
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
  };
}
