/** RFC 9110 `token` characters: a file name made only of these needs no quoting. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * `attachment; filename=<name>` (or `inline`), unquoted: the pzserver client takes everything after
 * `filename=` as the name to save under, quotes included. A name that is not a plain token is
 * given as RFC 8187 `filename*` first and an ASCII token fallback last, so that client still
 * reads a clean name. The same convention as the product downloads.
 */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  if (TOKEN.test(name)) return `${kind}; filename=${name}`;
  const fallback = name.normalize('NFKD').replace(/\p{M}/gu, '').replace(/[^!#$%&'*+\-.^_`|~0-9A-Za-z]/g, '_') || 'file';
  return `${kind}; filename*=UTF-8''${encodeRfc8187(name)}; filename=${fallback}`;
}

function encodeRfc8187(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
