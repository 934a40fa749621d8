import type { Problem } from '../http/problem';

/** Types browsers render themselves; only these may be shown inline (in the product page's sandboxed frame). */
const INLINE_TYPES = new Set(['text/html', 'application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** What a file's extension says when the client did not: the formats this service registers, and the usual companions. */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.txt': 'text/plain',
  '.dat': 'text/plain',
  '.md': 'text/markdown',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.json': 'application/json',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.xml': 'application/xml',
  '.fits': 'application/fits',
  '.fit': 'application/fits',
  '.fz': 'application/fits',
  '.hdf5': 'application/x-hdf5',
  '.h5': 'application/x-hdf5',
  '.hdf': 'application/x-hdf',
  '.parquet': 'application/vnd.apache.parquet',
  '.pq': 'application/vnd.apache.parquet',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tgz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ipynb': 'application/x-ipynb+json',
};

const FALLBACK = 'application/octet-stream';
const TOKEN = "[a-z0-9][a-z0-9!#$&^_.+-]*";
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}$`);

/**
 * The `type` form field: a `type/subtype` (parameters such as `; charset=` are dropped), at most
 * 128 characters as pzserver allowed. It becomes a response header later, so nothing else passes.
 */
export function parseDeclaredType(value: string): string | Problem {
  const essence = (value.split(';')[0] ?? '').trim().toLowerCase();
  if (essence.length > 128 || !MEDIA_TYPE.test(essence)) {
    return { code: 'VALIDATION_FAILED', message: `type must be a MIME type such as "text/csv", got "${value.slice(0, 100)}"`, field: 'type' };
  }
  return essence;
}

/**
 * The type to record: the `type` field when given, else the part's own Content-Type, else the
 * extension's. A part without a Content-Type reaches us as `text/plain` (the multipart default;
 * python-requests sends none), and `application/octet-stream` says nothing either, so those two
 * yield to the extension.
 */
export function chooseMediaType(declared: string | undefined, partType: string, extension: string): string {
  if (declared) return declared;
  const part = parseDeclaredType(partType);
  if (typeof part === 'string' && part !== 'text/plain' && part !== FALLBACK) return part;
  const ext = extension.toLowerCase();
  // A multi-part extension is the compressed file's: `.tar.gz` is gzip.
  return BY_EXTENSION[ext] ?? BY_EXTENSION[ext.slice(ext.lastIndexOf('.'))] ?? FALLBACK;
}

export interface ServingPolicy {
  readonly contentType: string;
  readonly disposition: 'inline' | 'attachment';
  /** Every file response is a sandbox: no scripts, an opaque origin, whatever its type says. */
  readonly contentSecurityPolicy: string;
  /** Framing is refused except for inline files, which the product page frames from our own origin. */
  readonly frameOptions: 'DENY' | 'SAMEORIGIN';
}

/**
 * How to serve stored bytes. Uploaded HTML runs on our origin if a browser renders it as a page,
 * so every response carries `Content-Security-Policy: sandbox` (without `allow-scripts`) and is an
 * attachment unless the caller asks for `inline` and the type is one browsers display.
 */
export function servingPolicy(storedType: string, wantsInline: boolean): ServingPolicy {
  const essence = parseDeclaredType(storedType);
  const contentType = typeof essence === 'string' ? essence : FALLBACK;
  const inline = wantsInline && INLINE_TYPES.has(contentType);
  return {
    contentType,
    disposition: inline ? 'inline' : 'attachment',
    contentSecurityPolicy: inline ? "sandbox; frame-ancestors 'self'" : 'sandbox',
    frameOptions: inline ? 'SAMEORIGIN' : 'DENY',
  };
}
