import type { Dataset, Group } from 'h5wasm';
import type { TableColumn, TableRow } from '../types';
import type { Hdf5Table } from './hdf5-table-layout';
import { hdf5TypeName, hdf5Value, splitRows } from './hdf5-values';

/** Datasets of a group that share their first dimension: the columns of one table. */
export interface ColumnDatasets {
  readonly group: Group;
  readonly nRows: number;
  readonly datasets: readonly { readonly name: string; readonly dataset: Dataset }[];
}

/** A group of equal-length column datasets, as astropy and tables_io write tables. */
export function columnGroupTable({ group, nRows, datasets }: ColumnDatasets): Hdf5Table {
  const plan = datasets.map(({ name, dataset }) => {
    const shape = dataset.shape ?? [];
    const cellShape = shape.slice(1);
    const width = cellShape.reduce((product, length) => product * length, 1);
    const meta = dataset.metadata;
    const type = cellShape.length === 0 ? hdf5TypeName(meta) : `${hdf5TypeName(meta)}[${cellShape.join('x')}]`;
    return { name, dataset, cellShape, width, meta, type };
  });
  const columns: TableColumn[] = plan.map(({ name, type }) => ({ name, type }));
  return {
    layout: 'columns',
    path: group.path,
    columns,
    nRows,
    sources: datasets.map(({ dataset }) => dataset),
    readRows(first, count) {
      if (count <= 0) return [];
      const columnValues = plan.map(({ dataset, cellShape, width, meta }) => {
        const selection: [number, number][] = [[first, first + count], ...cellShape.map((length): [number, number] => [0, length])];
        const values = dataset.slice(selection);
        const list = Array.isArray(values) || ArrayBuffer.isView(values) ? (values as ArrayLike<unknown>) : [];
        return cellShape.length === 0
          ? Array.from({ length: count }, (_, row) => hdf5Value(list[row], meta))
          : splitRows(list, count, width).map((cell) => cell.map((value) => hdf5Value(value, meta)));
      });
      return Array.from({ length: count }, (_, row) => {
        const record: TableRow = {};
        plan.forEach(({ name }, column) => {
          record[name] = columnValues[column]?.[row] ?? null;
        });
        return record;
      });
    },
  };
}
