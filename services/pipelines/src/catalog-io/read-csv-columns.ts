import { open } from 'node:fs/promises';
import { ok, type Result } from '@pz/contracts';
import { sniffCsvDialect } from '@pz/tables/csv/csv-dialect';
import { readCsvRecords } from '@pz/tables/csv/csv-records';
import { convertCsvValue, inferColumnTypes } from '@pz/tables/csv/csv-values';
import { describeCause, pipelineFailure, type PipelineError } from '../errors';
import type { ColumnValues, TableColumns } from './table-columns';

const SNIFF_BYTES = 64 * 1024;
/** Column types are inferred from this many rows, as the table preview does. */
const TYPE_SAMPLE_ROWS = 10_000;

async function readHead(filePath: string): Promise<string> {
  const handle = await open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Reads the asked-for columns of a delimited text table (CSV, TSV, whitespace), typing values as the table reader does. */
export async function readCsvColumns(filePath: string, wanted: readonly string[]): Promise<Result<TableColumns, PipelineError>> {
  try {
    const dialect = sniffCsvDialect(await readHead(filePath));
    if (!dialect) return pipelineFailure('INPUT_UNREADABLE', 'the text table is empty');
    let names: string[] | null = dialect.commentedHeader ? [...dialect.commentedHeader] : null;
    let positions: number[] = [];
    let wantedNames: string[] = [];
    const raw: string[][] = [];
    const setNames = (header: readonly string[]) => {
      names = header.map((name) => name.trim());
      wantedNames = [...new Set(wanted)].filter((name) => names?.includes(name));
      positions = wantedNames.map((name) => names?.indexOf(name) ?? -1);
      for (let i = 0; i < wantedNames.length; i++) raw.push([]);
    };
    if (names) setNames(names);
    let first = true;
    for await (const record of readCsvRecords(filePath, dialect)) {
      if (first && !names) {
        first = false;
        if (dialect.hasHeader) {
          setNames(record.fields);
          continue;
        }
        setNames(record.fields.map((_, i) => `col${i + 1}`));
      }
      first = false;
      for (let i = 0; i < positions.length; i++) raw[i]?.push(record.fields[positions[i] ?? -1] ?? '');
    }
    const rowCount = raw[0]?.length ?? 0;
    const columns = new Map<string, ColumnValues>();
    wantedNames.forEach((name, i) => {
      const texts = raw[i] ?? [];
      const [type = 'string'] = inferColumnTypes(texts.slice(0, TYPE_SAMPLE_ROWS).map((text) => [text]), 1);
      columns.set(name, texts.map((text) => convertCsvValue(text, type)));
    });
    return ok({ rowCount, names: names ?? [], columns });
  } catch (cause) {
    return pipelineFailure('INPUT_UNREADABLE', `cannot read text table: ${describeCause(cause)}`);
  }
}
