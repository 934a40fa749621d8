import { err, ok, type Result } from '@pz/contracts';
import { parsePartitionInfo, partitionPath, type HatsPartition } from './hats-properties';

/** One catalog of a HATS collection, as `main_file_info` lists it. */
export interface HatsCatalogEntry {
  readonly kind: 'main' | 'margin' | 'index';
  /** Its folder inside the archive. */
  readonly path: string;
  readonly name: string | null;
  /** `hats_nrows` from its properties. */
  readonly rows: number | null;
  /** From its `partition_info.csv` (null for an index catalog, which is not HEALPix-partitioned). */
  readonly partition_count: number | null;
  readonly margin_threshold_arcsec: number | null;
  readonly index_column: string | null;
}

/** A collection naming more catalogs than this is refused: no real one comes close. */
export const MAX_COLLECTION_CATALOGS = 100;

/** A member catalog named by `collection.properties`: a margin, or an index over a column. */
export interface NamedCatalog {
  readonly kind: 'margin' | 'index';
  readonly folder: string;
  readonly indexColumn: string | null;
}

/** hats splits its list-valued properties on spaces, commas, semicolons or newlines. */
const splitList = (value: string | undefined): string[] => (value ?? '').split(/[;,\s]+/).filter((part) => part !== '');

export const numberOf = (value: string | undefined): number | null => {
  const parsed = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
  return Number.isFinite(parsed) ? parsed : null;
};

const wholeNumber = (value: number | null): number | null => (value !== null && Number.isSafeInteger(value) && value >= 0 ? value : null);

/** The margin and index catalogs `collection.properties` names (`all_margins`; `all_indexes` as column/folder pairs). */
export function namedCatalogs(collection: ReadonlyMap<string, string>): Result<NamedCatalog[], string> {
  const margins = splitList(collection.get('all_margins')).map((folder): NamedCatalog => ({ kind: 'margin', folder, indexColumn: null }));
  const indexWords = splitList(collection.get('all_indexes'));
  if (indexWords.length % 2 !== 0) return err('collection.properties all_indexes does not hold pairs of column and index catalog');
  const indexes: NamedCatalog[] = [];
  for (let i = 0; i < indexWords.length; i += 2) indexes.push({ kind: 'index', folder: indexWords[i + 1] as string, indexColumn: indexWords[i] as string });
  const all = [...margins, ...indexes];
  if (all.length > MAX_COLLECTION_CATALOGS) return err(`collection.properties names ${all.length} margin and index catalogs (at most ${MAX_COLLECTION_CATALOGS} are accepted)`);
  return ok(all);
}

/**
 * What one member catalog's properties and partition list say of it. Every partition a margin's
 * `partition_info.csv` lists must be in the archive (`hasPartition`), as for the main catalog.
 */
export function describeMemberCatalog(
  named: NamedCatalog,
  folder: string,
  properties: ReadonlyMap<string, string>,
  partitionInfo: string | undefined,
  hasPartition: (partition: HatsPartition) => boolean,
): Result<HatsCatalogEntry, string> {
  let partitionCount: number | null = null;
  if (partitionInfo !== undefined) {
    const partitions = parsePartitionInfo(partitionInfo);
    if (typeof partitions === 'string') return err(`${named.kind} catalog ${folder}: ${partitions}`);
    const absent = partitions.find((p) => !hasPartition(p));
    if (absent) return err(`${named.kind} catalog ${folder} lists a partition that is not in the archive: ${folder}/${partitionPath(absent)}`);
    partitionCount = partitions.length;
  }
  return ok({
    kind: named.kind,
    path: folder,
    name: properties.get('obs_collection') ?? null,
    rows: wholeNumber(numberOf(properties.get('hats_nrows'))),
    partition_count: partitionCount,
    margin_threshold_arcsec: numberOf(properties.get('hats_margin_threshold')),
    index_column: properties.get('hats_index_column') ?? named.indexColumn,
  });
}
