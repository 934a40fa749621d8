import { PARQUET_COMPRESSORS } from '@pz/tables/parquet/parquet-compressors';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { ok, type Result } from '@pz/contracts';
import { describeCause, pipelineFailure, type PipelineError } from '../errors';

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; null is empty. */
function field(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isNaN(value) ? '' : String(value);
  const text = typeof value === 'bigint' || typeof value === 'boolean' ? String(value) : value instanceof Date ? value.toISOString() : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rewrites a pipeline's Parquet output as CSV with a header row, one row group at a time. */
export async function parquetToCsv(parquetPath: string, csvPath: string): Promise<Result<{ rows: number }, PipelineError>> {
  try {
    const file = await asyncBufferFromFile(parquetPath);
    const metadata = await parquetMetadataAsync(file);
    const names = metadata.schema.slice(1).map((element) => element.name);
    const out = createWriteStream(csvPath);
    const write = async (text: string) => {
      if (!out.write(text)) await once(out, 'drain');
    };
    await write(`${names.map(field).join(',')}\n`);
    let start = 0;
    for (const group of metadata.row_groups) {
      const end = start + Number(group.num_rows);
      const rows = (await parquetReadObjects({ file, metadata, compressors: PARQUET_COMPRESSORS, rowStart: start, rowEnd: end })) as Record<string, unknown>[];
      let chunk = '';
      for (const row of rows) {
        chunk += `${names.map((name) => field(row[name])).join(',')}\n`;
        if (chunk.length > 1 << 20) {
          await write(chunk);
          chunk = '';
        }
      }
      await write(chunk);
      start = end;
    }
    out.end();
    await once(out, 'finish');
    return ok({ rows: start });
  } catch (cause) {
    return pipelineFailure('OUTPUT_UNWRITABLE', `cannot write ${csvPath}: ${describeCause(cause)}`);
  }
}
