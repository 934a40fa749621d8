import { open } from 'node:fs/promises';
import path from 'node:path';
import { ok, type Result } from '@pz/contracts';
import { detectFormat, DETECTION_HEAD_BYTES, type DetectedFormat } from '@pz/tables/format-detection';
import { describeCause, pipelineFailure, type PipelineError } from '../errors';
import { readCsvColumns } from './read-csv-columns';
import { readHatsColumns } from './read-hats-columns';
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

async function formatOf(filePath: string, fileName: string): Promise<Result<DetectedFormat, PipelineError>> {
  try {
    return ok(detectFormat(await readHeadBytes(filePath), fileName));
  } catch (cause) {
    return pipelineFailure('INPUT_UNREADABLE', `cannot open ${fileName}: ${describeCause(cause)}`);
  }
}

/** Reads every column of an input table (a HATS catalog in one pass over its partitions). */
export async function readAllTableColumns(filePath: string, fileName = path.basename(filePath)): Promise<Result<TableColumns, PipelineError>> {
  const format = await formatOf(filePath, fileName);
  if (!format.ok) return format;
  if (format.value === 'zip' || format.value === 'gzip' || format.value === 'tar') return readHatsColumns(filePath, format.value, null, fileName);
  const names = await readTableColumns(filePath, [], fileName);
  return names.ok ? readTableColumns(filePath, names.value.names, fileName) : names;
}

/** Reads whole columns of an input table, deciding its format from its first bytes and name. */
export async function readTableColumns(filePath: string, wanted: readonly string[], fileName = path.basename(filePath)): Promise<Result<TableColumns, PipelineError>> {
  const detected = await formatOf(filePath, fileName);
  if (!detected.ok) return detected;
  const format = detected.value;
  switch (format) {
    case 'parquet':
      return readParquetColumns(filePath, wanted);
    case 'csv':
      return readCsvColumns(filePath, wanted);
    case 'zip':
    case 'gzip':
    case 'tar':
      return readHatsColumns(filePath, format, wanted, fileName);
    default:
      return pipelineFailure('INPUT_FORMAT_UNSUPPORTED', `${fileName} is ${format}; the pipelines read Parquet, CSV and HATS inputs`);
  }
}
