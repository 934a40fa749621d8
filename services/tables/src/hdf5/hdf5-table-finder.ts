import type { Dataset, Group } from 'h5wasm/node';
import type { H5wasm } from './h5wasm-module';
import { columnGroupTable, type ColumnDatasets } from './column-group-table';
import { compoundTable } from './compound-table';
import { attrText, childPath, type Hdf5Table } from './hdf5-table-layout';
import { pandasFixedTable } from './pandas-fixed-table';
import { pandasTableFormat } from './pandas-table-format';

const COMPOUND = 6;
/** A file with more objects than this is walked no further; tables sit near the top. */
const MAX_OBJECTS = 5000;

interface Candidates {
  pandas: Hdf5Table | null;
  compound: Dataset | null;
  columns: ColumnDatasets | null;
}

/** The datasets of a group that form a table: 1-D columns of one length, plus N-D ones sharing it. */
function columnDatasetsOf(group: Group, datasets: readonly { name: string; dataset: Dataset }[]): ColumnDatasets | null {
  const byLength = new Map<number, number>();
  for (const { dataset } of datasets) {
    const shape = dataset.shape ?? [];
    if (shape.length === 1 && dataset.metadata.type !== COMPOUND) byLength.set(shape[0] ?? 0, (byLength.get(shape[0] ?? 0) ?? 0) + 1);
  }
  const best = [...byLength.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0];
  if (!best) return null;
  const [nRows] = best;
  const members = datasets.filter(({ dataset }) => {
    const shape = dataset.shape ?? [];
    return shape.length >= 1 && shape[0] === nRows && dataset.metadata.type !== COMPOUND;
  });
  return { group, nRows, datasets: members };
}

/**
 * Finds the table in an HDF5 file, breadth-first so the shallowest wins. A pandas HDFStore
 * group comes first (its datasets are pieces of one frame), then a compound dataset, then a
 * group of equal-length column datasets.
 */
export function findHdf5Table(h5: H5wasm, file: Group): Hdf5Table | null {
  const found: Candidates = { pandas: null, compound: null, columns: null };
  const queue: Group[] = [file];
  let visited = 0;
  while (queue.length > 0 && visited < MAX_OBJECTS && !found.pandas) {
    const group = queue.shift();
    if (!group) break;
    const pandasType = attrText(group, 'pandas_type');
    if (pandasType === 'frame') {
      found.pandas = pandasFixedTable(group);
      if (found.pandas) break;
    }
    if (pandasType === 'frame_table') {
      const table = group.get('table');
      if (table instanceof h5.Dataset) {
        found.pandas = pandasTableFormat(group, table);
        break;
      }
    }
    const datasets: { name: string; dataset: Dataset }[] = [];
    for (const name of group.keys()) {
      visited += 1;
      const child = group.get(childPath(group.path, name));
      if (child instanceof h5.Group) queue.push(child);
      else if (child instanceof h5.Dataset) {
        const shape = child.shape ?? [];
        if (!found.compound && shape.length === 1 && child.metadata.type === COMPOUND) found.compound = child;
        datasets.push({ name, dataset: child });
      }
    }
    found.columns ??= columnDatasetsOf(group, datasets);
  }
  if (found.pandas) return found.pandas;
  if (found.compound) return compoundTable(found.compound, 'compound');
  return found.columns ? columnGroupTable(found.columns) : null;
}
