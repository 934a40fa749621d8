import { PARQUET_COMPRESSORS } from '@pz/tables/parquet/parquet-compressors';
import { ok, type Result } from '@pz/contracts';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type ColumnData } from 'hyparquet';
import { describeCause, pipelineFailure, type PipelineError } from '../errors';
import type { ColumnValues, TableColumns } from './table-columns';

type TypedColumn = Float64Array | Float32Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Uint8Array;
type TypedConstructor = new (length: number) => TypedColumn;

const TYPED: readonly TypedConstructor[] = [Float64Array, Float32Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];

function typedConstructorOf(chunks: readonly ColumnData[]): TypedConstructor | null {
  const first = chunks[0]?.columnData;
  const constructor = TYPED.find((c) => first instanceof c);
  return constructor && chunks.every((chunk) => chunk.columnData instanceof constructor) ? constructor : null;
}

/** Joins a column's chunks (row groups, pages) into one array, typed when every chunk is. */
function joinChunks(chunks: readonly ColumnData[], rowCount: number): ColumnValues {
  const constructor = typedConstructorOf(chunks);
  if (constructor) {
    const joined = new constructor(rowCount);
    for (const chunk of chunks) (joined as { set(source: ArrayLike<unknown>, offset: number): void }).set(chunk.columnData as TypedColumn, chunk.rowStart);
    return joined;
  }
  const joined: unknown[] = new Array<unknown>(rowCount).fill(null);
  for (const chunk of chunks) {
    const data = chunk.columnData;
    for (let i = 0; i < data.length; i++) joined[chunk.rowStart + i] = data[i];
  }
  return joined;
}

/** Reads whole columns of a Parquet file (only the ones asked for), column by column, not as row objects. */
export async function readParquetColumns(filePath: string, wanted: readonly string[]): Promise<Result<TableColumns, PipelineError>> {
  try {
    const file = await asyncBufferFromFile(filePath);
    const metadata = await parquetMetadataAsync(file);
    const names = parquetSchema(metadata).children.map((child) => child.element.name);
    const rowCount = Number(metadata.num_rows);
    const present = [...new Set(wanted)].filter((name) => names.includes(name));
    const chunks = new Map<string, ColumnData[]>(present.map((name) => [name, []]));
    if (present.length > 0) {
      await parquetRead({ file, metadata, columns: present, compressors: PARQUET_COMPRESSORS, onChunk: (chunk) => chunks.get(chunk.columnName)?.push(chunk) });
    }
    const columns = new Map<string, ColumnValues>();
    for (const [name, parts] of chunks) columns.set(name, joinChunks(parts, rowCount));
    return ok({ rowCount, names, columns });
  } catch (cause) {
    return pipelineFailure('INPUT_UNREADABLE', `cannot read Parquet file: ${describeCause(cause)}`);
  }
}
