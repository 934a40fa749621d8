/** Escapes LIKE wildcards so user text matches literally. */
export const likeContains = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** `a,b ,c` → ['a','b','c'] (empty parts dropped). */
export const commaParts = (value: string): string[] =>
  value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);

/** Search terms: split on whitespace and commas, like Django REST framework's SearchFilter. */
export const searchTerms = (value: string): string[] => value.split(/[\s,]+/).filter((t) => t.length > 0).slice(0, 20);

export function parseBoolean(value: string): boolean | null {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 't'].includes(v)) return true;
  if (['false', '0', 'no', 'f'].includes(v)) return false;
  return null;
}
