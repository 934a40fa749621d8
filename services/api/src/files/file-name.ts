import type { Problem } from '../http/problem';

export const MAX_FILE_NAME_LENGTH = 255;

// Control characters, and the bidirectional overrides that make `evil\u202Etxt.exe` read as a
// harmless name in a listing.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

export interface FileName {
  readonly name: string;
  /** With the dot, lower-cased, multi-part for compressed formats (`.tar.gz`), `""` when none: see `extensionOf`. */
  readonly extension: string;
}

const invalid = (message: string): Problem => ({ code: 'VALIDATION_FAILED', message, field: 'file' });

/**
 * The name to record for an uploaded file: the client's base name only. Directory parts (either
 * slash) are dropped, so `../evil.csv` becomes `evil.csv`; a name that is nothing but dots, holds
 * control characters or is longer than 255 characters is refused.
 */
export function cleanFileName(raw: string): FileName | Problem {
  const base = raw.split(/[/\\]/).pop() ?? '';
  if (base.trim() === '') return invalid('the uploaded file has no name: send a file name in the multipart part of "file"');
  if (/^\.+$/.test(base)) return invalid(`"${base}" is not a file name`);
  if (FORBIDDEN.test(base)) return invalid('the file name contains control characters');
  // U+FFFD is what the multipart parser puts where the name's bytes were not UTF-8.
  if (base.includes('\uFFFD')) return invalid('the file name is not valid UTF-8');
  if (base.length > MAX_FILE_NAME_LENGTH) return invalid(`the file name is longer than ${MAX_FILE_NAME_LENGTH} characters`);
  return { name: base, extension: extensionOf(base) };
}

/** Compression suffixes that belong with the extension before them (`.tar.gz`, `.fits.gz`, `.csv.bz2`). */
const COMPRESSIONS = new Set(['.gz', '.bz2', '.xz', '.zst', '.z', '.fz']);
/** The extensions a compression suffix may follow to make one extension. */
const COMPRESSED_FORMATS = new Set(['.tar', '.fits', '.fit', '.fts', '.csv', '.tsv', '.txt', '.dat', '.ecsv', '.hdf5', '.h5', '.parquet', '.json', '.xml', '.vot', '.votable', '.pkl', '.pickle', '.npy']);

/** The last `.suffix` of a name, or `""`; leading dots do not start one (`.bashrc` has none). */
function lastSuffix(name: string): string {
  const leadingDots = /^\.*/.exec(name)?.[0].length ?? 0;
  const dot = name.lastIndexOf('.');
  return dot > leadingDots ? name.slice(dot) : '';
}

/**
 * A file's extension as the reference server records it, lower-cased: `"catalog.csv"` → `".csv"`,
 * multi-part when a compression follows a known format (`"catalog.tar.gz"` → `".tar.gz"`,
 * `"CATALOG.FITS.GZ"` → `".fits.gz"`), `".bashrc"` → `""`.
 */
export function extensionOf(name: string): string {
  const last = lastSuffix(name).toLowerCase();
  if (!COMPRESSIONS.has(last)) return last;
  const before = lastSuffix(name.slice(0, name.length - last.length)).toLowerCase();
  return COMPRESSED_FORMATS.has(before) ? before + last : last;
}
