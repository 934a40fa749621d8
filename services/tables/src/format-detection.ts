/** What a file is, decided from its first bytes and, failing that, its name. */
export type DetectedFormat = 'csv' | 'parquet' | 'fits' | 'hdf5' | 'zip' | 'gzip' | 'tar' | 'votable';

/** Enough for every signature below, including an HDF5 superblock after a user block. */
export const DETECTION_HEAD_BYTES = 4096;

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
/** HDF5 allows a user block before the superblock; the signature then sits at 512, 1024, 2048... */
const HDF5_SIGNATURE_OFFSETS = [0, 512, 1024, 2048];

const startsWith = (head: Uint8Array, signature: readonly number[], at = 0): boolean =>
  head.length >= at + signature.length && signature.every((byte, i) => head[at + i] === byte);

const ascii = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0));

const EXTENSIONS: readonly (readonly [RegExp, DetectedFormat])[] = [
  [/\.(parquet|parq|pq)$/i, 'parquet'],
  [/\.(fits|fit|fts)$/i, 'fits'],
  [/\.(h5|hdf5|hdf|he5)$/i, 'hdf5'],
  [/\.(vot|votable|xml)$/i, 'votable'],
  [/\.zip$/i, 'zip'],
  [/\.(tar\.gz|tgz|gz)$/i, 'gzip'],
  [/\.tar$/i, 'tar'],
];

/** XML whose first element (after the declaration and comments) is a VOTABLE, namespaced or not. */
function looksLikeVotable(head: Uint8Array): boolean {
  const text = new TextDecoder('latin1').decode(head).replace(/^\uFEFF/, '').replace(/^\u00EF\u00BB\u00BF/, '');
  return /^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<(\w+:)?VOTABLE[\s>]/.test(text);
}

export function detectFormat(head: Uint8Array, fileName: string): DetectedFormat {
  if (startsWith(head, ascii('PAR1'))) return 'parquet';
  if (startsWith(head, ascii('SIMPLE  ='))) return 'fits';
  if (HDF5_SIGNATURE_OFFSETS.some((at) => startsWith(head, HDF5_SIGNATURE, at))) return 'hdf5';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return 'zip';
  if (startsWith(head, [0x1f, 0x8b])) return 'gzip';
  if (startsWith(head, ascii('ustar'), 257)) return 'tar';
  if (looksLikeVotable(head)) return 'votable';
  for (const [pattern, format] of EXTENSIONS) if (pattern.test(fileName)) return format;
  return 'csv';
}
