import type { FileMetaData } from 'hyparquet';
import { ecsvHeaderColumnMeta, type ColumnMeta } from '../astropy-ecsv-header';

/**
 * Units, descriptions and UCDs astropy keeps in a Parquet file it writes (`Table.write(...,
 * format='parquet')`): the key-value metadata `table_meta_yaml` holds the ECSV header as YAML.
 * Files without it (pandas, pyarrow, hats-import) answer an empty map.
 */
export function astropyColumnMeta(metadata: FileMetaData): Map<string, ColumnMeta> {
  const raw = metadata.key_value_metadata?.find((kv) => kv.key === 'table_meta_yaml')?.value;
  return typeof raw === 'string' ? ecsvHeaderColumnMeta(raw) : new Map();
}

