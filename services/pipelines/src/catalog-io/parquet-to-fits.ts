import { rm } from 'node:fs/promises';
import { ok, type Result } from '@pz/contracts';
import { openFitsTableWriter, type FitsCell, type FitsColumnSpec } from '@pz/tables/fits/fits-writer';
import { describeCause, pipelineFailure, type PipelineError } from '../errors';
import { outputText, planOutputColumns, type OutputColumn } from './output-columns';
import { openParquetRowGroups, parquetRowGroupRows } from './parquet-row-groups';

/** The null of an integer column with nulls: its type's smallest value (astropy's own choice is the type's default fill). */
const INTEGER_NULL = { int32: -2147483648n, int64: -9223372036854775808n } as const;

export function fitsColumnOf(column: OutputColumn): FitsColumnSpec {
  const unit = column.unit ? { unit: column.unit } : {};
  switch (column.kind) {
    case 'bool':
      return { name: column.name, form: 'L', ...unit };
    case 'int32':
    case 'int64':
      return { name: column.name, form: column.kind === 'int32' ? 'J' : 'K', ...unit, ...(column.hasNulls ? { nullValue: INTEGER_NULL[column.kind] } : {}) };
    case 'float32':
      return { name: column.name, form: 'E', ...unit };
    case 'float64':
      return { name: column.name, form: 'D', ...unit };
    default:
      return { name: column.name, form: `${column.width}A`, ...unit };
  }
}

function fitsCell(value: unknown, column: OutputColumn): FitsCell {
  if (value === null || value === undefined) return null;
  if (column.kind === 'string') return outputText(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return value;
  return null;
}

/**
 * Rewrites a pipeline's Parquet output as a FITS binary table (extension `CATALOG`), one row
 * group at a time: units (TUNITn) where `units` names them, integer nulls as TNULLn, float nulls
 * as NaN, text as fixed-width ASCII fields as wide as the longest value.
 */
export async function parquetToFits(parquetPath: string, fitsPath: string, units: ReadonlyMap<string, string> = new Map()): Promise<Result<{ rows: number }, PipelineError>> {
  try {
    const source = await openParquetRowGroups(parquetPath);
    const plan = await planOutputColumns(source, units);
    const writer = await openFitsTableWriter(fitsPath, { columns: plan.map(fitsColumnOf), nRows: source.rowCount, extname: 'CATALOG' });
    try {
      for await (const rows of parquetRowGroupRows(source)) {
        await writer.writeRows(rows.length, (row, column) => {
          const spec = plan[column];
          return spec ? fitsCell(rows[row]?.[spec.name], spec) : null;
        });
      }
    } catch (cause) {
      await writer.abort();
      throw cause;
    }
    await writer.close();
    return ok({ rows: source.rowCount });
  } catch (cause) {
    await rm(fitsPath, { force: true });
    return pipelineFailure('OUTPUT_UNWRITABLE', `cannot write ${fitsPath}: ${describeCause(cause)}`);
  }
}
