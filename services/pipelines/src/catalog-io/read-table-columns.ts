import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Result } from '@pz/contracts';
import { detectFormat, DETECTION_HEAD_BYTES } from '@pz/tables/format-detection';
import { describeCause, pipelineFailure, type PipelineError } from '../errors';
import { readCsvColumns } from './read-csv-columns';
import { readParquetColumns } from './read-parquet-columns';
import type { TableColumns } from './table-columns';

async function readHeadBytes(filePath: string): Promise<Uint8Array> {
  const handle = await open(filePath, 'r');
  try {
    const buffer = new Uint8Array(DETECTION_HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, DETECTION_HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Reads whole columns of an input table, deciding its format from its first bytes and name. */
export async function readTableColumns(filePath: string, wanted: readonly string[], fileName = path.basename(filePath)): Promise<Result<TableColumns, PipelineError>> {
  let head: Uint8Array;
  try {
    head = await readHeadBytes(filePath);
  } catch (cause) {
    return pipelineFailure('INPUT_UNREADABLE', `cannot open ${fileName}: ${describeCause(cause)}`);
  }
  const format = detectFormat(head, fileName);
  switch (format) {
    case 'parquet':
      return readParquetColumns(filePath, wanted);
    case 'csv':
      return readCsvColumns(filePath, wanted);
    default:
      return pipelineFailure('INPUT_FORMAT_UNSUPPORTED', `${fileName} is ${format}; combine reads Parquet and CSV inputs`);
  }
}
