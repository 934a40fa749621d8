import { parse } from 'yaml';

/** What astropy wrote of a column: its unit, description and UCD. */
export interface ColumnMeta {
  readonly unit?: string;
  readonly description?: string;
  readonly ucd?: string;
}

/** Larger header text than any table's is not parsed (a hostile file gets no say in memory). */
const MAX_YAML_CHARS = 1_000_000;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' && value.length <= 1000 ? value.trim() : undefined);

/** A column's `meta`: a mapping, or astropy's ordered map (`!!omap`, a list of one-key mappings). */
function metaOf(value: unknown): { ucd?: unknown } {
  if (value instanceof Map) return Object.fromEntries(value) as { ucd?: unknown };
  if (Array.isArray(value)) return Object.assign({}, ...value.filter((item) => typeof item === 'object' && item !== null)) as { ucd?: unknown };
  return typeof value === 'object' && value !== null ? (value as { ucd?: unknown }) : {};
}

/**
 * The columns of an ECSV header as astropy writes it (into Parquet, into HDF5 beside the table,
 * or atop an .ecsv file): its `datatype` list names each column with its `unit`, `description`
 * and `meta.ucd`. A header that does not parse, or is too large, answers an empty map rather than
 * refusing the table.
 */
export function ecsvHeaderColumnMeta(raw: string): Map<string, ColumnMeta> {
  const found = new Map<string, ColumnMeta>();
  if (raw.length > MAX_YAML_CHARS) return found;
  let header: unknown;
  try {
    // ECSV headers are written with "# " before each line; astropy's Parquet and HDF5 ones without.
    header = parse(raw.replace(/^# ?/gm, ''), { maxAliasCount: 10, logLevel: 'silent' });
  } catch {
    return found;
  }
  const datatype = typeof header === 'object' && header !== null ? (header as { datatype?: unknown }).datatype : undefined;
  if (!Array.isArray(datatype)) return found;
  for (const entry of datatype) {
    if (typeof entry !== 'object' || entry === null) continue;
    const column = entry as { name?: unknown; unit?: unknown; description?: unknown; meta?: unknown };
    const name = text(column.name);
    if (!name) continue;
    const meta = metaOf(column.meta);
    const unit = text(column.unit);
    const description = text(column.description);
    const ucd = text(meta.ucd);
    found.set(name, { ...(unit ? { unit } : {}), ...(description ? { description } : {}), ...(ucd ? { ucd } : {}) });
  }
  return found;
}
