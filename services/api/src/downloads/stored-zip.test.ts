import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesReader, type ByteReader } from '@pz/blobs';
import { readerBytes } from '@pz/blobs/testing';
import { safeEntryNames } from './entry-names';
import { layOutStoredZip, type LaidOutEntry, type StoredZip, type ZipEntrySource } from './stored-zip';
import { hasPython, hasUnzip, inspectZip, unzipTest } from './testing';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pz-zip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const when = new Date('2024-05-06T07:08:10Z');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function bufferEntry(name: string, content: Buffer, modifiedAt = when): ZipEntrySource {
  return { name, size: content.length, crc32: crc32(content), modifiedAt, open: ({ start, end }) => bytesReader(content.subarray(start, end + 1)) };
}

/** `length` zero bytes, produced as they are read. */
function zerosReader(length: number): ByteReader {
  let left = length;
  return {
    async read(into) {
      const count = Math.min(into.length, left);
      into.fill(0, 0, count);
      left -= count;
      return count;
    },
    async close() {},
  };
}

async function zeroEntry(name: string, size: number): Promise<ZipEntrySource> {
  const block = Buffer.alloc(1 << 24);
  let crc = 0;
  for (let left = size; left > 0; left -= block.length) crc = crc32(left >= block.length ? block : block.subarray(0, left), crc);
  return { name, size, crc32: crc, modifiedAt: when, open: ({ start, end }) => zerosReader(end - start + 1) };
}

async function writeWhole(zip: StoredZip, file: string): Promise<Buffer> {
  const bytes = await readerBytes(zip.reader());
  await writeFile(file, bytes);
  return bytes;
}

describe('stored zip writer', () => {
  it('writes stored members that CPython and Info-ZIP read back byte for byte, CRCs checked', async () => {
    const contents: [string, Buffer][] = [
      ['product_metadata.yaml', Buffer.from('id: 1\nname: x\n')],
      ['catalog.csv', Buffer.from('id,ra,dec,z\n1,10.5,-3.2,0.41\n')],
      ['empty.txt', Buffer.alloc(0)],
      ['données façon ☃.bin', randomBytes(300_000)],
    ];
    const zip = layOutStoredZip(contents.map(([name, content]) => bufferEntry(name, content)));
    const file = path.join(dir, 'small.zip');
    const bytes = await writeWhole(zip, file);
    expect(bytes.length).toBe(zip.size);
    expect(zip.size).toBe(contents.reduce((n, [name, c]) => n + 30 + 46 + 2 * Buffer.byteLength(name) + c.length, 22));
    if (!hasPython) return;
    const read = await inspectZip(file);
    expect(read.map((e) => e.name)).toEqual(contents.map(([name]) => name));
    for (const [index, [, content]] of contents.entries()) {
      expect(read[index]).toMatchObject({ size: content.length, compressedSize: content.length, method: 0, crc32: crc32(content), sha256: sha256(content), headerOffset: zip.entries[index]?.headerOffset });
    }
    if (hasUnzip) expect(await unzipTest(file)).toMatch(/No errors detected/);
  });

  it('serves any byte range as exactly that slice of the whole archive', async () => {
    const zip = layOutStoredZip([bufferEntry('a.bin', randomBytes(5000)), bufferEntry('b.txt', Buffer.from('hello')), bufferEntry('c.bin', randomBytes(70_000))]);
    const whole = await readerBytes(zip.reader());
    const [a, b, c] = zip.entries;
    const edges = [0, 1, a!.dataOffset - 1, a!.dataOffset, b!.headerOffset, b!.dataOffset + 4, c!.dataOffset + 69_999, zip.size - 23, zip.size - 1];
    const ranges: [number, number][] = edges.flatMap((s) => edges.filter((e) => e >= s).map((e) => [s, e] as [number, number]));
    for (const [start, end] of ranges) {
      expect(await readerBytes(zip.reader({ start, end })), `${start}-${end}`).toEqual(whole.subarray(start, end + 1));
    }
    expect(() => zip.reader({ start: 0, end: zip.size })).toThrow(RangeError);
  });

  it('stops with an error rather than send a member whose content is shorter than announced', async () => {
    const lying: ZipEntrySource = { name: 'short.bin', size: 10, crc32: 0, modifiedAt: when, open: () => bytesReader(Buffer.alloc(4)) };
    await expect(readerBytes(layOutStoredZip([lying]).reader())).rejects.toThrow(/"short.bin" ended 6 bytes before its recorded size of 10/);
  });

  it('switches to ZIP64 end records at 65535 members, readable by both tools', { timeout: 120_000 }, async () => {
    const count = 65_540;
    const entries = Array.from({ length: count }, (_, i) => bufferEntry(`f${i}.txt`, Buffer.from(String(i % 10))));
    const zip = layOutStoredZip(entries);
    const file = path.join(dir, 'many.zip');
    const bytes = await writeWhole(zip, file);
    // Locator of the ZIP64 end record (both readers below find that record by position, not by
    // the locator's offset, so check the offset here), then the classic end record saying "see ZIP64".
    const locator = zip.size - 22 - 20;
    expect(bytes.readUInt32LE(locator)).toBe(0x07064b50);
    const record = Number(bytes.readBigUInt64LE(locator + 8));
    expect(bytes.readUInt32LE(record)).toBe(0x06064b50);
    expect(bytes.readBigUInt64LE(record + 32)).toBe(BigInt(count));
    expect(bytes.readUInt16LE(zip.size - 22 + 10)).toBe(0xffff);
    if (!hasPython) return;
    const read = await inspectZip(file);
    expect(read.length).toBe(count);
    expect(read[count - 1]).toMatchObject({ name: `f${count - 1}.txt`, content: Buffer.from(String((count - 1) % 10)) });
    if (hasUnzip) expect(await unzipTest(file)).toMatch(/No errors detected/);
  });

  it('writes ZIP64 sizes and offsets for members over 4 GiB and the ones after them', { timeout: 120_000 }, async () => {
    const bigSize = 2 ** 32 + 5;
    const big = await zeroEntry('big.bin', bigSize);
    const tail = Buffer.from('after the big ones');
    // The second big member needs both a 64-bit size and a 64-bit offset, in that order.
    const zip = layOutStoredZip([bufferEntry('first.txt', Buffer.from('before')), big, { ...big, name: 'big2.bin' }, bufferEntry('after.txt', tail)]);
    const [, big1, big2] = zip.entries as [unknown, LaidOutEntry, LaidOutEntry];
    // A sparse file: the 8 GiB of zeros are never written, only everything around them.
    const file = path.join(dir, 'big.zip');
    const handle = await open(file, 'w');
    try {
      await handle.truncate(zip.size);
      const around: [number, number][] = [[0, big1.dataOffset - 1], [big1.dataOffset + bigSize, big2.dataOffset - 1], [big2.dataOffset + bigSize, zip.size - 1]];
      for (const [start, end] of around) await handle.write(await readerBytes(zip.reader({ start, end })), 0, end - start + 1, start);
      expect(await readerBytes(zip.reader({ start: big1.dataOffset + bigSize - 3, end: big1.dataOffset + bigSize + 1 }))).toEqual(Buffer.concat([Buffer.alloc(3), Buffer.from('PK')]));
      // CPython skips local extra fields; APPNOTE 4.5.3 wants both 64-bit sizes there when the 32-bit ones say 0xFFFFFFFF.
      const local = await readerBytes(zip.reader({ start: big2.headerOffset, end: big2.dataOffset - 1 }));
      expect([local.readUInt32LE(18), local.readUInt32LE(22), local.readUInt16LE(28)]).toEqual([0xffffffff, 0xffffffff, 20]);
      const extra = local.subarray(30 + local.readUInt16LE(26));
      expect([extra.readUInt16LE(0), extra.readUInt16LE(2), extra.readBigUInt64LE(4), extra.readBigUInt64LE(12)]).toEqual([1, 16, BigInt(bigSize), BigInt(bigSize)]);
    } finally {
      await handle.close();
    }
    // CPython only: Info-ZIP would spend some 30 s checking the CRCs of 8 GiB; it reads ZIP64 end records in the test above.
    if (!hasPython) return;
    const read = await inspectZip(file);
    expect(read.map((e) => [e.name, e.size, e.headerOffset])).toEqual(zip.entries.map((e) => [e.name, e.size, e.headerOffset]));
    expect(read[2]!.headerOffset).toBeGreaterThan(2 ** 32);
    expect(read[3]).toMatchObject({ content: tail, crc32: crc32(tail) });
  });
});

describe('archive member names', () => {
  it('keeps base names only, replaces what Windows refuses, and deduplicates ignoring case', () => {
    expect(safeEntryNames(['../../etc/passwd', 'C:\\data\\cat.csv', 'a/b/cat.csv', 'CAT.csv', 'q?.txt', '..', '', 'product_metadata.yaml', 'x. ', 'evil\u202Etxt.exe'], ['product_metadata.yaml'])).toEqual([
      'passwd', 'cat.csv', 'cat (2).csv', 'CAT (3).csv', 'q_.txt', 'file', 'file (2)', 'product_metadata (2).yaml', 'x', 'evil_txt.exe',
    ]);
  });
});
