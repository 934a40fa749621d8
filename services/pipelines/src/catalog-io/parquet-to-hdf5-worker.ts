import { parentPort, workerData } from 'node:worker_threads';
import h5wasm from 'h5wasm/node';
import { openHdf5ColumnWriter } from '@pz/tables/hdf5/hdf5-column-writer';
import { hdf5Batch, hdf5ColumnOf } from './hdf5-output-columns';
import { planOutputColumns } from './output-columns';
import { openParquetRowGroups, parquetRowGroupRows } from './parquet-row-groups';

/** What parquet-to-hdf5.ts asks of this worker thread. */
export interface Hdf5ConversionRequest {
  readonly parquetPath: string;
  readonly hdf5Path: string;
  readonly units: readonly (readonly [string, string])[];
}

export type Hdf5ConversionReply = { readonly rows: number } | { readonly failure: string };

async function convert({ parquetPath, hdf5Path, units }: Hdf5ConversionRequest): Promise<number> {
  await h5wasm.ready;
  const source = await openParquetRowGroups(parquetPath);
  const plan = await planOutputColumns(source, new Map(units));
  const specs = plan.map(hdf5ColumnOf);
  const names = plan.map((column) => column.name);
  const writer = openHdf5ColumnWriter(h5wasm, hdf5Path, specs);
  try {
    for await (const rows of parquetRowGroupRows(source)) writer.append(rows.length, hdf5Batch(rows, specs, names));
  } finally {
    writer.close();
  }
  return source.rowCount;
}

const port = parentPort;
if (port) {
  try {
    const rows = await convert(workerData as Hdf5ConversionRequest);
    port.postMessage({ rows } satisfies Hdf5ConversionReply);
  } catch (cause) {
    port.postMessage({ failure: cause instanceof Error ? cause.message : String(cause) } satisfies Hdf5ConversionReply);
  }
}
