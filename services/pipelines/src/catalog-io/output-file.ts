import path from 'node:path';
import { ok, type Result } from '@pz/contracts';
import type { PipelineError } from '../errors';
import { parquetToCsv } from './parquet-to-csv';
import { parquetToFits } from './parquet-to-fits';
import { parquetToHdf5 } from './parquet-to-hdf5';

export const OUTPUT_FILE_FORMATS = ['parquet', 'csv', 'fits', 'hdf5'] as const;
export type OutputFileFormat = (typeof OUTPUT_FILE_FORMATS)[number];

export interface OutputFile {
  readonly path: string;
  readonly name: string;
  readonly mimeType: string;
  readonly extension: string;
}

const FILE_TYPES: Readonly<Record<OutputFileFormat, { extension: string; mimeType: string }>> = {
  parquet: { extension: '.parquet', mimeType: 'application/vnd.apache.parquet' },
  csv: { extension: '.csv', mimeType: 'text/csv' },
  fits: { extension: '.fits', mimeType: 'application/fits' },
  hdf5: { extension: '.hdf5', mimeType: 'application/x-hdf5' },
};

/**
 * The pipelines compute their output as Parquet; this writes it in the format the run asked for,
 * beside it in `dir`, streamed one row group at a time. `units` names the units of the columns
 * that have one (FITS TUNITn, HDF5 `units` attributes; CSV and Parquet carry none).
 */
export async function writeOutputFile(format: OutputFileFormat, parquetPath: string, dir: string, baseName: string, units: ReadonlyMap<string, string>): Promise<Result<OutputFile, PipelineError>> {
  const { extension, mimeType } = FILE_TYPES[format];
  const name = `${baseName}${extension}`;
  if (format === 'parquet') return ok({ path: parquetPath, name, mimeType, extension });
  const target = path.join(dir, name);
  const written = format === 'csv' ? await parquetToCsv(parquetPath, target) : format === 'fits' ? await parquetToFits(parquetPath, target, units) : await parquetToHdf5(parquetPath, target, units);
  return written.ok ? ok({ path: target, name, mimeType, extension }) : written;
}
