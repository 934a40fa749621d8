import type { FileMetaData } from 'hyparquet';
import { parquetSchema } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { getTreePath, isFlatColumn } from 'hyparquet/src/schema.js';
import { tableError, type TableError } from '../errors';
import type { FileRangeReader } from '../file-range-reader';

const FIRST_HEADER_WINDOW = 1 << 10;
const LARGEST_HEADER_WINDOW = 1 << 20;
/** Writers cut pages at ~1 MB; a page declaring more than this to decompress is not a real one. */
export const MAX_PAGE_BYTES = 256 * 1024 ** 2;

interface PageHeaderFacts {
  readonly headerLength: number;
  readonly compressed: number;
  readonly uncompressed: number;
  /** Values (nulls included) of a data page; 0 for a dictionary or index page. */
  readonly values: number;
}

async function readHeader(reader: FileRangeReader, position: number, end: number): Promise<PageHeaderFacts | null> {
  let window = FIRST_HEADER_WINDOW;
  for (;;) {
    const bytes = await reader.read(position, Math.min(window, end - position));
    try {
      const view = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
      const header = parquetHeader(view);
      const values = header.data_page_header?.num_values ?? header.data_page_header_v2?.num_values ?? 0;
      return { headerLength: view.offset, compressed: header.compressed_page_size, uncompressed: header.uncompressed_page_size, values };
    } catch (cause) {
      const cutOff = cause instanceof RangeError && bytes.length === window && window < LARGEST_HEADER_WINDOW;
      if (!cutOff) return null;
      window *= 16;
    }
  }
}

/**
 * Walks every page header of every column chunk (headers only, never values) and checks that
 * they describe the chunk: each parses, its sizes are sane, the pages fill the chunk exactly,
 * and a flat column's data pages hold the chunk's value count. Registry runs it, so a file whose
 * later row groups are hostile is refused once, at upload, instead of costing a decode timeout
 * on every `read_data` of a later page. Column chunks in other files (`file_path`) are refused.
 */
export async function checkPageHeaders(reader: FileRangeReader, metadata: FileMetaData): Promise<TableError | null> {
  const schemaTree = parquetSchema(metadata);
  const dataEnd = reader.size - 8;
  let rows = 0;
  for (const [group, rowGroup] of metadata.row_groups.entries()) {
    rows += Number(rowGroup.num_rows);
    for (const chunk of rowGroup.columns) {
      const meta = chunk.meta_data;
      const where = `column "${meta?.path_in_schema.join('.') ?? '?'}" of row group ${group}`;
      const bad = (why: string): TableError => tableError('TABLE_UNREADABLE', `The Parquet page headers are corrupt: ${where} ${why}.`);
      if (chunk.file_path) {
        return tableError('TABLE_EXTERNAL_REFERENCE', `The Parquet ${where} is stored in another file ("${chunk.file_path}"); only self-contained files are read here.`);
      }
      if (!meta) return bad('has no metadata');
      const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
      const end = start + Number(meta.total_compressed_size);
      if (!(start >= 4 && end <= dataEnd && end > start)) return bad(`lies outside the file (bytes ${start} to ${end})`);
      let position = start;
      let values = 0;
      while (position < end) {
        const page = await readHeader(reader, position, end);
        if (page === null) return bad(`has an unreadable page header at byte ${position}`);
        if (!(page.compressed >= 0 && page.uncompressed >= 0 && page.values >= 0)) return bad(`declares negative sizes at byte ${position}`);
        if (page.uncompressed > MAX_PAGE_BYTES) return bad(`declares a page of ${page.uncompressed} bytes at byte ${position}`);
        position += page.headerLength + page.compressed;
        values += page.values;
      }
      if (position !== end) return bad(`has pages that overrun the chunk (to byte ${position}, the chunk ends at ${end})`);
      const flat = isFlatColumn(getTreePath(schemaTree, meta.path_in_schema));
      if (flat && values !== Number(meta.num_values)) return bad(`holds ${values} values in its pages, not the ${Number(meta.num_values)} its metadata declares`);
    }
  }
  if (rows !== Number(metadata.num_rows)) {
    return tableError('TABLE_UNREADABLE', `The Parquet footer is corrupt: its row groups hold ${rows} rows, not the ${Number(metadata.num_rows)} it declares.`);
  }
  return null;
}
