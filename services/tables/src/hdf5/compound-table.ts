import type { Dataset } from 'h5wasm';
import type { TableColumn, TableRow } from '../types';
import type { Hdf5LayoutKind, Hdf5Table } from './hdf5-table-layout';
import { hdf5TypeName, hdf5Value } from './hdf5-values';

/**
 * How one compound member maps to table columns: a plain member is one column; a pandas
 * `values_block_N` member is an array whose elements are several columns.
 */
export interface MemberColumns {
  readonly names: readonly string[];
  readonly spread: boolean;
}

/** A 1-D dataset of a compound type: each member a column (numpy structured arrays, astropy). */
export function compoundTable(
  dataset: Dataset,
  layout: Hdf5LayoutKind,
  columnsOfMember: (member: string) => MemberColumns | null = (member) => ({ names: [member], spread: false }),
): Hdf5Table {
  const members = dataset.metadata.compound_type?.members ?? [];
  const plan = members.flatMap((member, memberIndex) => {
    const mapped = columnsOfMember(member.name);
    if (!mapped) return [];
    const itemMeta = mapped.spread && member.array_type ? member.array_type : member;
    return mapped.names.map((name, element) => ({
      name,
      memberIndex,
      element: mapped.spread ? element : null,
      meta: itemMeta,
    }));
  });
  const columns: TableColumn[] = plan.map(({ name, meta }) => ({ name, type: hdf5TypeName(meta) }));
  return {
    layout,
    path: dataset.path,
    columns,
    nRows: dataset.shape?.[0] ?? 0,
    sources: [dataset],
    readRows(first, count) {
      if (count <= 0) return [];
      const records = dataset.slice([[first, first + count]]);
      if (!Array.isArray(records)) return [];
      return records.map((record: unknown) => {
        const values = Array.isArray(record) ? record : [];
        const row: TableRow = {};
        for (const { name, memberIndex, element, meta } of plan) {
          const value: unknown = values[memberIndex];
          const cell = element === null ? value : Array.isArray(value) || ArrayBuffer.isView(value) ? (value as ArrayLike<unknown>)[element] : null;
          row[name] = hdf5Value(cell, meta);
        }
        return row;
      });
    },
  };
}
