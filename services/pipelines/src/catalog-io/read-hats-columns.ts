import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ok, type Result } from '@pz/contracts';
import { openHatsPartitions } from '@pz/tables/hats/hats-partitions';
import { DEFAULT_MAX_EXTRACTED_BYTES } from '@pz/tables/read-options';
import { describeCause, pipelineFailure, type PipelineError } from '../errors';
import { readParquetColumns } from './read-parquet-columns';
import type { ColumnValues, TableColumns } from './table-columns';

/** Appends column chunks into plain arrays (partitions may type a column differently). */
function concatenate(parts: readonly ColumnValues[], rowCount: number): unknown[] {
  const out = new Array<unknown>(rowCount);
  let at = 0;
  for (const part of parts) for (let i = 0; i < part.length; i++) out[at++] = part[i];
  return out;
}

/** A partition's column names, from its footer alone (no column is decoded). */
async function partitionColumnNames(local: string): Promise<readonly string[]> {
  const footer = await readParquetColumns(local, []);
  return footer.ok ? footer.value.names : [];
}

/**
 * Reads the asked-for columns (`null`: every column, in the first partition's order) of every partition of a HATS catalog uploaded as an archive, one
 * batch of partitions at a time (never the whole catalog extracted at once). A missing column
 * in one partition reads as nulls there. Answers INPUT_FORMAT_UNSUPPORTED for an archive that
 * is not a HATS catalog.
 */
export async function readHatsColumns(filePath: string, kind: 'zip' | 'gzip' | 'tar', wanted: readonly string[] | null, fileName: string): Promise<Result<TableColumns, PipelineError>> {
  let opened;
  try {
    opened = await openHatsPartitions(filePath, kind, DEFAULT_MAX_EXTRACTED_BYTES);
  } catch (cause) {
    return pipelineFailure('INPUT_UNREADABLE', `cannot read the archive ${fileName}: ${describeCause(cause)}`);
  }
  if (opened === null) return pipelineFailure('INPUT_FORMAT_UNSUPPORTED', `${fileName} is an archive but not a HATS catalog; the pipelines read Parquet, CSV and HATS inputs`);
  if (!opened.ok) return pipelineFailure('INPUT_UNREADABLE', opened.error.message);
  const catalog = opened.value;
  const dir = await mkdtemp(path.join(tmpdir(), 'pz-hats-input-'));
  try {
    const parts = new Map<string, ColumnValues[]>((wanted ?? []).map((name) => [name, []]));
    let names: readonly string[] | null = null;
    let rowCount = 0;
    let failure: PipelineError | null = null;
    await catalog.forEachBatch(dir, async (local, member) => {
      if (failure) return;
      const columnsOfFile = wanted ?? (await partitionColumnNames(local));
      const read = await readParquetColumns(local, columnsOfFile);
      if (!read.ok) {
        failure = { ...read.error, message: `HATS partition ${member}: ${read.error.message}` };
        return;
      }
      if (names === null) {
        names = read.value.names;
        if (wanted === null) for (const name of names) parts.set(name, []);
      }
      // A column a partition lacks reads as nulls there.
      for (const [name, list] of parts) list.push(read.value.columns.get(name) ?? new Array<null>(read.value.rowCount).fill(null));
      rowCount += read.value.rowCount;
    });
    if (failure) return { ok: false, error: failure };
    const present = new Set<string>(names ?? []);
    const columns = new Map<string, ColumnValues>();
    for (const [name, list] of parts) if (present.has(name)) columns.set(name, concatenate(list, rowCount));
    return ok({ rowCount, names: names ?? [], columns });
  } catch (cause) {
    return pipelineFailure('INPUT_UNREADABLE', `cannot read the HATS catalog ${fileName}: ${describeCause(cause)}`);
  } finally {
    catalog.close();
    await rm(dir, { recursive: true, force: true });
  }
}
