import type { Dataset, Group } from 'h5wasm';
import { compoundTable } from './compound-table';
import { attrText, type Hdf5Table } from './hdf5-table-layout';
import { pickledIndexName, pickledStringList } from './pandas-pickles';

/**
 * pandas `HDFStore` table format (`format='table'`): a PyTables `table` compound dataset whose
 * members are `index`, `values_block_N` arrays (column names pickled in the
 * `values_block_N_kind` attribute) and one member per data column.
 */
export function pandasTableFormat(group: Group, table: Dataset): Hdf5Table {
  const info = attrText(group, 'info');
  const indexName = info === null ? null : pickledIndexName(info);
  return compoundTable(table, 'pandas_table', (member) => {
    if (member === 'index') return indexName ? { names: [indexName], spread: false } : null;
    const kind = attrText(table, `${member}_kind`);
    const names = kind === null ? null : pickledStringList(kind);
    if (!names) return { names: [member], spread: false };
    return member.startsWith('values_block_') ? { names, spread: true } : { names: [names[0] ?? member], spread: false };
  });
}
