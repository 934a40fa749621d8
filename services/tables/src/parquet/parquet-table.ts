import { err, ok, type Result } from '@pz/contracts';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import { parquetMetadataAsync } from 'hyparquet';
import { tableError, tableFailure, unexpectedFailure, type TableError } from '../errors';
import { withFileRangeReader, type FileRangeReader } from '../file-range-reader';
import { toJsonValue } from '../json-value';
import type { ReadContext, RowWindow, TableRow, TableSlice } from '../types';
import { boundColumnChunksToRows } from './bounded-column-chunks';
import { decodeRowsInWorker } from './decode-rows-in-worker';
import { checkPageHeaders } from './page-header-check';
import { undecodableCodecs } from './parquet-codecs';
import { parquetColumns } from './parquet-columns';

const MAGIC = 'PAR1';
/** Footer bytes fetched up front; hyparquet asks for more when the metadata is larger. */
const FOOTER_FETCH_BYTES = 1 << 16;

const asciiAt = (bytes: Uint8Array, from: number, length: number): string =>
  String.fromCharCode(...bytes.subarray(from, from + length));

function asyncBufferOver(reader: FileRangeReader): AsyncBuffer {
  return {
    byteLength: reader.size,
    async slice(start, end = reader.size) {
      const bytes = await reader.read(start, end - start);
      return bytes.buffer.byteLength === bytes.byteLength && bytes.byteOffset === 0
        ? (bytes.buffer as ArrayBuffer)
        : (bytes.slice().buffer as ArrayBuffer);
    },
  };
}

/** Checks the framing hyparquet assumes, so a cut or foreign file gets a precise message. */
async function checkFraming(reader: FileRangeReader): Promise<Result<null, TableError>> {
  const head = await reader.read(0, 4);
  if (asciiAt(head, 0, 4) !== MAGIC) return tableFailure('TABLE_UNREADABLE', 'This is not a Parquet file: it does not start with the PAR1 marker.');
  if (reader.size < 12) return tableFailure('TABLE_TRUNCATED', `The Parquet file is only ${reader.size} bytes: too short for its footer.`);
  const tail = await reader.read(reader.size - 8, 8);
  if (asciiAt(tail, 4, 4) !== MAGIC) {
    return tableFailure('TABLE_TRUNCATED', 'The Parquet footer is missing (no PAR1 marker at the end): the file looks truncated.');
  }
  const metadataLength = new DataView(tail.buffer, tail.byteOffset, 8).getUint32(0, true);
  if (metadataLength + 12 > reader.size) {
    return tableFailure('TABLE_TRUNCATED', `The Parquet footer declares ${metadataLength} bytes of metadata, more than the file holds.`);
  }
  return ok(null);
}

async function readMetadata(file: AsyncBuffer): Promise<Result<FileMetaData, TableError>> {
  try {
    return ok(await parquetMetadataAsync(file, { initialFetchSize: FOOTER_FETCH_BYTES }));
  } catch (cause) {
    return unexpectedFailure('The Parquet footer (metadata)', cause);
  }
}

/**
 * Reads the footer, then only the pages holding the window's rows (see boundColumnChunksToRows);
 * the row count comes from the footer.
 */
export function readParquetTable(filePath: string, window: RowWindow, context: ReadContext): Promise<Result<TableSlice, TableError>> {
  return withFileRangeReader(filePath, context.meter, async (reader): Promise<Result<TableSlice, TableError>> => {
    const framing = await checkFraming(reader);
    if (!framing.ok) return framing;
    const file = asyncBufferOver(reader);
    const metadata = await readMetadata(file);
    if (!metadata.ok) return metadata;

    if (context.checkEveryPage) {
      let problem: TableError | null;
      try {
        problem = await checkPageHeaders(reader, metadata.value);
      } catch (cause) {
        return unexpectedFailure('The Parquet page headers', cause);
      }
      if (problem) return err(problem);
    }
    const columns = parquetColumns(metadata.value);
    const nRows = Number(metadata.value.num_rows);
    const details = { row_groups: metadata.value.row_groups.length };
    const codecs = undecodableCodecs(metadata.value);
    if (codecs.length > 0) {
      const rowsUnavailable = tableError(
        'TABLE_FORMAT_UNSUPPORTED',
        `The Parquet data is compressed with ${codecs.join(', ')}, which this server cannot decompress; only the columns and row count are known.`,
      );
      return ok({ format: 'parquet', columns, nRows, rows: [], details, rowsUnavailable });
    }
    const rowStart = Math.min(window.offset, nRows);
    const rowEnd = Math.min(window.offset + window.limit, nRows);
    let rows: TableRow[] = [];
    if (rowEnd > rowStart && columns.length > 0) {
      let bounded: FileMetaData;
      try {
        bounded = await boundColumnChunksToRows(reader, metadata.value, rowStart, rowEnd);
      } catch (cause) {
        return unexpectedFailure('The Parquet page headers', cause);
      }
      const objects = await decodeRowsInWorker(
        {
          filePath,
          metadata: bounded,
          rowStart,
          rowEnd,
          // Naming the columns makes hyparquet fetch each chunk on its own instead of in
          // 2 MB runs that would span the parts of the chunks we cut away.
          columns: columns.map((column) => column.name),
        },
        context.meter,
        context.decodeTimeoutMs,
        context.requester ?? null,
      );
      if (!objects.ok) return objects;
      rows = objects.value.map((object) => {
        const row: TableRow = {};
        for (const column of columns) row[column.name] = toJsonValue(object[column.name]);
        return row;
      });
    }
    return ok({ format: 'parquet', columns, nRows, rows, details });
  });
}
