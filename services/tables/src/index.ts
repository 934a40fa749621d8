export { inspectTable, DEFAULT_PREVIEW_ROWS, type InspectTableOptions } from './inspect-table';
export { DEFAULT_MAX_EXTRACTED_BYTES, type TableReadOptions } from './read-options';
export { readTableRows, type ReadTableRowsOptions } from './read-table-rows';
export { MAX_WINDOW_ROWS } from './read-table';
export { TABLE_ERROR_CODES, type TableError, type TableErrorCode } from './errors';
export { createReadMeter } from './types';
export type { ExtractedArchiveMember, JsonValue, ReadMeter, RowIndex, TableColumn, TableDetails, TableFormat, TableInspection, TableRow, TableRows } from './types';
export { configureTableReaders, DEFAULT_TABLE_READER_LIMITS, tableReaderLimits, type TableReaderLimits } from './reader-limits';
