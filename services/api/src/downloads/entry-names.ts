// Control characters, bidirectional overrides (which disguise a name's real extension) and the
// characters Windows refuses in file names.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069<>:"|?*]/g;
const MAX_NAME_CHARS = 200;

/**
 * Names for archive members that unpack safely anywhere: the base name only (no folders, no
 * `..`), no characters Windows refuses, and unique even on case-insensitive file systems —
 * a repeated name becomes `name (2).ext`. `reserved` names (the metadata file) are never given
 * to a member. Returns one name per input, in order.
 */
export function safeEntryNames(names: readonly string[], reserved: readonly string[] = []): string[] {
  const taken = new Set(reserved.map((n) => n.toLowerCase()));
  return names.map((raw) => {
    const base = baseName(raw);
    let candidate = base;
    for (let copy = 2; taken.has(candidate.toLowerCase()); copy++) candidate = withSuffix(base, ` (${copy})`);
    taken.add(candidate.toLowerCase());
    return candidate;
  });
}

function baseName(raw: string): string {
  const last = raw.split(/[/\\]/).pop() ?? '';
  const cleaned = last.replace(UNSAFE, '_').trim().replace(/[. ]+$/, '');
  if (cleaned === '' || /^\.+$/.test(cleaned)) return 'file';
  return truncate(cleaned);
}

/** Shortens a long name but keeps its extension, which tells the user what the file is. */
function truncate(name: string): string {
  const chars = [...name];
  if (chars.length <= MAX_NAME_CHARS) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  return [...name.slice(0, name.length - extension.length)].slice(0, MAX_NAME_CHARS - [...extension].length).join('') + extension;
}

function withSuffix(name: string, suffix: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}${suffix}${name.slice(dot)}` : `${name}${suffix}`;
}
