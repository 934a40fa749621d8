/** Seeded, deterministic mutations of table files: generic ones and some that know each format. */

export type Random = () => number;

/** mulberry32: small, fast, and the same sequence on every machine for a seed. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const below = (random: Random, n: number): number => Math.floor(random() * Math.max(1, n));
const pick = <T>(random: Random, items: readonly T[]): T => items[below(random, items.length)] as T;

/** Values a length or count field is most likely to be mishandled at. */
const EXTREMES_32 = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

export interface Mutation {
  readonly name: string;
  readonly bytes: Uint8Array;
}

type Mutator = (input: Uint8Array, random: Random) => Mutation;

const flipBytes: Mutator = (input, random) => {
  const bytes = input.slice();
  const count = 1 + below(random, 8);
  for (let i = 0; i < count; i++) {
    const at = below(random, bytes.length);
    bytes[at] = (bytes[at] ?? 0) ^ (1 << below(random, 8));
  }
  return { name: `flip${count}`, bytes };
};

const truncate: Mutator = (input, random) => {
  const at = below(random, input.length);
  return { name: `truncate@${at}`, bytes: input.slice(0, at) };
};

const extremeAt = (bytes: Uint8Array, at: number, value: number, littleEndian: boolean): void => {
  if (at < 0 || at + 4 > bytes.length) return;
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, value >>> 0, littleEndian);
};

const extremeField: Mutator = (input, random) => {
  const bytes = input.slice();
  const at = below(random, Math.max(1, bytes.length - 4));
  const value = pick(random, EXTREMES_32);
  extremeAt(bytes, at, value, random() < 0.5);
  return { name: `extreme32@${at}=${value}`, bytes };
};

/** Flips inside the first `span` bytes (headers, superblocks) or the last (footers, directories). */
const flipRegion = (where: 'head' | 'tail', span: number): Mutator => (input, random) => {
  const bytes = input.slice();
  const width = Math.min(span, bytes.length);
  const base = where === 'head' ? 0 : bytes.length - width;
  const count = 1 + below(random, 4);
  for (let i = 0; i < count; i++) {
    const at = base + below(random, width);
    bytes[at] = random() < 0.5 ? (bytes[at] ?? 0) ^ (1 << below(random, 8)) : below(random, 256);
  }
  return { name: `${where}-flip${count}/${span}`, bytes };
};

/** Parquet: the footer length (4 bytes before the closing PAR1) set to an extreme. */
const parquetFooterLength: Mutator = (input, random) => {
  const bytes = input.slice();
  const value = pick(random, EXTREMES_32);
  extremeAt(bytes, bytes.length - 8, value, true);
  return { name: `parquet-footer-length=${value}`, bytes };
};

/** FITS: one structural card's value replaced by an extreme or a nonsense value. */
const fitsCard: Mutator = (input, random) => {
  const bytes = input.slice();
  const text = Buffer.from(bytes.subarray(0, Math.min(bytes.length, 2880 * 8))).toString('latin1');
  const keys = ['NAXIS1', 'NAXIS2', 'NAXIS ', 'BITPIX', 'PCOUNT', 'GCOUNT', 'TFIELDS', 'TFORM1', 'TFORM2', 'TBCOL1', 'THEAP'];
  const starts: number[] = [];
  for (let card = 0; card + 80 <= text.length; card += 80) if (keys.some((key) => text.startsWith(key, card))) starts.push(card);
  if (starts.length === 0) return flipBytes(input, random);
  const at = pick(random, starts);
  const value = pick(random, ['2147483647', '-1', '0', '999999999999999', "'99999999E'", "'2000000000A'", "'1PJ(99999999)'", 'NaN', "''"]);
  Buffer.from(value.padStart(20, ' ').padEnd(70, ' '), 'latin1').copy(bytes, at + 10);
  return { name: `fits-card@${at}=${value}`, bytes };
};

/** HDF5: an 8-byte address or length of the superblock set to 0 or all ones. */
const hdf5Superblock: Mutator = (input, random) => {
  const bytes = input.slice();
  const at = 8 + 8 * below(random, 10);
  const fill = random() < 0.5 ? 0xff : 0x00;
  for (let i = 0; i < 8 && at + i < bytes.length; i++) bytes[at + i] = fill;
  return { name: `hdf5-superblock@${at}=${fill}`, bytes };
};

/** Text tables: an unclosed quote, a very long line or a flood of delimiters at a random place. */
const csvText: Mutator = (input, random) => {
  const at = below(random, input.length);
  const insert = pick(random, ['"', '\r', '\0', ',,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,', 'x'.repeat(200_000), '\n'.repeat(1000), '"a""b"\n"']);
  const bytes = new Uint8Array(input.length + insert.length);
  bytes.set(input.subarray(0, at));
  bytes.set(Buffer.from(insert, 'latin1'), at);
  bytes.set(input.subarray(at), at + insert.length);
  return { name: `csv-insert@${at}:${JSON.stringify(insert.slice(0, 8))}x${insert.length}`, bytes };
};

const GENERIC: readonly Mutator[] = [flipBytes, truncate, extremeField];

const BY_FORMAT: Record<string, readonly Mutator[]> = {
  parquet: [parquetFooterLength, flipRegion('tail', 512), flipRegion('head', 256)],
  fits: [fitsCard, fitsCard, flipRegion('head', 2880 * 2)],
  hdf5: [hdf5Superblock, flipRegion('head', 4096), flipRegion('head', 512)],
  csv: [csvText, csvText],
  zip: [flipRegion('tail', 64), flipRegion('head', 64)],
  gzip: [flipRegion('head', 32), flipRegion('tail', 16)],
  tar: [flipRegion('head', 512)],
};

/** One mutation of `input`: half the time generic, half the time aware of its format. */
export function mutate(input: Uint8Array, format: string, random: Random): Mutation {
  const aware = BY_FORMAT[format] ?? [];
  const mutator = aware.length > 0 && random() < 0.5 ? pick(random, aware) : pick(random, GENERIC);
  return mutator(input, random);
}
