/**
 * pandas stores some HDFStore metadata (column names of a values block, index names) as
 * protocol-0 pickles of lists and dicts of strings. These helpers pull the strings out
 * textually; nothing is ever unpickled or executed.
 */

/** Protocol 0 writes `V<raw-unicode-escape text>` for str and `S'<repr>'` for py2 bytes. */
function pickledString(line: string): string | null {
  if (line.startsWith('V')) return line.slice(1).replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  const quoted = /^S(['"])(.*)\1$/.exec(line);
  return quoted ? (quoted[2] ?? '') : null;
}

/** `(lp0\nVra\np1\naVdec\np2\na.` → `['ra', 'dec']`. */
export function pickledStringList(pickle: string): string[] | null {
  if (!pickle.startsWith('(lp')) return null;
  const names: string[] = [];
  for (const rawLine of pickle.split('\n')) {
    // Items after the first are prefixed with the APPEND opcode (`a`) of the previous item.
    const line = rawLine.startsWith('aV') || rawLine.startsWith("aS'") ? rawLine.slice(1) : rawLine;
    const text = pickledString(line);
    if (text !== null) names.push(text);
  }
  return names;
}

/** The `index_name` entry of a table-format `info` dict, when the index has a name. */
export function pickledIndexName(info: string): string | null {
  const match = /Vindex_name\n[^\n]*\n(V[^\n]*|S'[^\n]*')\n/.exec(info);
  return match?.[1] ? pickledString(match[1]) : null;
}
