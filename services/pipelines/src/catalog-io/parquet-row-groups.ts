import { PARQUET_COMPRESSORS } from '@pz/tables/parquet/parquet-compressors';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema, type FileMetaData } from 'hyparquet';
import type { AsyncBuffer, SchemaElement } from 'hyparquet';

/** A Parquet file opened for reading one row group at a time. */
export interface ParquetRowGroups {
  readonly file: AsyncBuffer;
  readonly metadata: FileMetaData;
  readonly rowCount: number;
  /** The top-level columns, with their schema element (nested ones have children). */
  readonly columns: readonly { readonly element: SchemaElement; readonly nested: boolean }[];
}

export async function openParquetRowGroups(filePath: string): Promise<ParquetRowGroups> {
  const file = await asyncBufferFromFile(filePath);
  const metadata = await parquetMetadataAsync(file);
  const columns = parquetSchema(metadata).children.map((child) => ({ element: child.element, nested: child.children.length > 0 }));
  return { file, metadata, rowCount: Number(metadata.num_rows), columns };
}

/**
 * Yields the file's rows one row group at a time (only `columns`, when given), as decoded values:
 * never the whole table at once.
 */
export async function* parquetRowGroupRows(source: ParquetRowGroups, columns?: readonly string[]): AsyncGenerator<Record<string, unknown>[]> {
  let start = 0;
  for (const group of source.metadata.row_groups) {
    const end = start + Number(group.num_rows);
    if (end > start) {
      yield (await parquetReadObjects({ file: source.file, metadata: source.metadata, compressors: PARQUET_COMPRESSORS, rowStart: start, rowEnd: end, ...(columns ? { columns: [...columns] } : {}) })) as Record<string, unknown>[];
    }
    start = end;
  }
}
