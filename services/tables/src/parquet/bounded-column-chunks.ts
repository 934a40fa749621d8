import type { FileMetaData, RowGroup } from 'hyparquet';
import { parquetSchema } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { getTreePath, isFlatColumn } from 'hyparquet/src/schema.js';
import type { FileRangeReader } from '../file-range-reader';

/** Page headers are small; statistics with long strings can make one a few KB. */
const FIRST_HEADER_WINDOW = 1 << 10;
const LARGEST_HEADER_WINDOW = 1 << 20;

/**
 * Bytes from the start of a column chunk that hold its first `rowsNeeded` rows: the dictionary
 * page plus data pages up to the one that reaches that row. Only page headers are read here.
 * Returns null when the walk cannot be trusted (odd headers); the caller then keeps the chunk.
 */
async function leadingPagesLength(
  reader: FileRangeReader,
  chunkStart: number,
  chunkLength: number,
  rowsNeeded: number,
): Promise<number | null> {
  const chunkEnd = chunkStart + chunkLength;
  let position = chunkStart;
  let rows = 0;
  while (position < chunkEnd && rows < rowsNeeded) {
    let window = FIRST_HEADER_WINDOW;
    let parsed: { headerLength: number; pageLength: number; pageRows: number } | null = null;
    while (parsed === null) {
      const bytes = await reader.read(position, Math.min(window, chunkEnd - position));
      try {
        const view = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
        const header = parquetHeader(view);
        const pageRows = header.data_page_header?.num_values ?? header.data_page_header_v2?.num_rows ?? 0;
        parsed = { headerLength: view.offset, pageLength: header.compressed_page_size, pageRows };
      } catch (cause) {
        // A header cut off by the window throws RangeError; anything else is not a header.
        const cutOff = cause instanceof RangeError && bytes.length === window && window < LARGEST_HEADER_WINDOW;
        if (!cutOff) return null;
        window *= 16;
      }
    }
    if (!Number.isFinite(parsed.pageLength) || parsed.pageLength < 0) return null;
    position += parsed.headerLength + parsed.pageLength;
    rows += parsed.pageRows;
  }
  return Math.min(position, chunkEnd) - chunkStart;
}

/**
 * A copy of the metadata whose column chunks, in the row groups the window touches, end right
 * after the pages that hold the window's rows. hyparquet reads whole column chunks, and a
 * pyarrow row group can hold a million rows; with this, a preview reads the footer plus the
 * first page of each column, whatever the file size. hyparquet stops decoding a flat column
 * once it has the rows it needs, so the shortened chunks are all it touches. Nested (repeated)
 * columns count values, not rows, in their page headers, so they keep their full chunks.
 */
export async function boundColumnChunksToRows(
  reader: FileRangeReader,
  metadata: FileMetaData,
  rowStart: number,
  rowEnd: number,
): Promise<FileMetaData> {
  const schemaTree = parquetSchema(metadata);
  let groupStart = 0;
  const rowGroups: RowGroup[] = [];
  for (const rowGroup of metadata.row_groups) {
    const groupRows = Number(rowGroup.num_rows);
    const groupEnd = groupStart + groupRows;
    const touched = groupEnd > rowStart && groupStart < rowEnd;
    const rowsNeeded = Math.min(rowEnd, groupEnd) - groupStart;
    groupStart = groupEnd;
    if (!touched || rowsNeeded >= groupRows) {
      rowGroups.push(rowGroup);
      continue;
    }
    const columns = await Promise.all(
      rowGroup.columns.map(async (chunk) => {
        const meta = chunk.meta_data;
        if (!meta || chunk.file_path || !isFlatColumn(getTreePath(schemaTree, meta.path_in_schema))) return chunk;
        const chunkStart = Number(meta.dictionary_page_offset || meta.data_page_offset);
        const length = await leadingPagesLength(reader, chunkStart, Number(meta.total_compressed_size), rowsNeeded);
        return length === null ? chunk : { ...chunk, meta_data: { ...meta, total_compressed_size: BigInt(length) } };
      }),
    );
    rowGroups.push({ ...rowGroup, columns });
  }
  return { ...metadata, row_groups: rowGroups };
}
