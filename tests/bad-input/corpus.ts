import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';

/**
 * The inputs of the bad-input corpus that are not committed: broken tables derived from the
 * committed fixtures of `services/tables/fixtures` (read by path), and archives built here so that
 * the big ones (bombs) never sit in the repository. Every generator is deterministic.
 */

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../services/tables/fixtures');

/** A committed fixture of the table readers, by name. */
export const fixture = (name: string): Buffer => readFileSync(path.join(fixtures, name));

/** The bytes with `count` bytes inverted from the middle on: a corruption no length check can see. */
export function flipMiddle(bytes: Buffer, count: number): Buffer {
  const copy = Buffer.from(bytes);
  const start = Math.floor(copy.length / 2);
  for (let i = start; i < Math.min(start + count, copy.length); i++) copy[i] = (copy[i] ?? 0) ^ 0xff;
  return copy;
}

export interface ZipMember {
  readonly name: string;
  readonly content: Buffer;
}

/** A deflated zip with the member names exactly as given (`../x`, `/abs`): what an attacker writes. */
export function zipOf(members: readonly ZipMember[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const member of members) {
    const name = Buffer.from(member.name, 'utf8');
    const packed = deflateRawSync(member.content, { level: 9 });
    const crc = crc32(member.content);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(member.content.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(member.content.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** Megabytes of one repeated byte: compresses about 1000 to 1. */
const zeros = (megabytes: number): Buffer => Buffer.alloc(megabytes * 1024 * 1024, 0x30);

export const GOOD_CSV = Buffer.from('id,ra,dec,z\n1,10.5,-3.25,0.41\n2,11.0,-3.5,0.73\n3,12.5,-4.0,1.02\n');

/** Every generated corpus input, built once (the bombs take a few hundred milliseconds). */
export function generatedCorpus() {
  const bombMember = zipOf([{ name: 'catalog.csv', content: Buffer.concat([Buffer.from('id,z\n'), zeros(16)]) }]);
  return {
    /** A CSV whose last row was cut in the middle. */
    truncatedCsv: GOOD_CSV.subarray(0, GOOD_CSV.length - 9),
    /** A Latin-1 CSV (what a legacy export writes): `é` is one byte 0xE9, not UTF-8. */
    latin1Csv: Buffer.from('id,field,z\n1,Androm\u00e8de,0.1\n2,Orion,0.2\n', 'latin1'),
    /** A PNG image under a .csv name. */
    pngAsCsv: Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d4948445200000010000000100806000000', 'hex'), Buffer.alloc(512, 0x07)]),
    flippedParquet: flipMiddle(fixture('small.parquet'), 16),
    flippedHdf5: flipMiddle(fixture('compound.h5'), 64),
    flippedFits: flipMiddle(fixture('bintable.fits'), 64),
    /** 16 MiB of one byte, deflated in a zip: ratio about 1000. */
    zipBomb: bombMember,
    /** 16 MiB gzipped as `catalog.csv.gz`. */
    gzipBomb: gzipSync(Buffer.concat([Buffer.from('id,z\n'), zeros(16)]), { level: 9 }),
    /** A zip bomb named like a table, inside a zip. */
    nestedZipBomb: zipOf([{ name: 'inner/catalog.csv', content: bombMember }]),
    /** The same bomb, gzipped as if it were `catalog.csv`. */
    zipBombInGzip: gzipSync(bombMember),
    /** One good table under a `../` member path. */
    zipSlipRelative: zipOf([{ name: '../../../../pz-zip-slip-relative.csv', content: GOOD_CSV }]),
    /** One good table under an absolute member path. */
    zipSlipAbsolute: (target: string) => zipOf([{ name: target, content: GOOD_CSV }]),
    /** Two tables, both under escaping paths. */
    zipSlipTwoTables: zipOf([{ name: '../a.csv', content: GOOD_CSV }, { name: '/tmp/b.csv', content: GOOD_CSV }]),
  };
}
