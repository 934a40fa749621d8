import type { Dataset, Group } from 'h5wasm';
import type { H5wasm } from './h5wasm-module';
import { astropyHdf5ColumnMeta, withColumnMeta } from './astropy-hdf5-meta';
import { checkDataset, externalLinkTarget, refuseExternalLink, type Hdf5Limits } from './hdf5-guards';
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
  compound: { readonly dataset: Dataset; readonly parent: Group } | null;
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
 * The group's children, each dataset checked (virtual? chunks too large?) and each external
 * link refused before anything of the group is read.
 */
function childrenOf(h5: H5wasm, group: Group, limits: Hdf5Limits, budget: number): { name: string; child: Group | Dataset }[] {
  const children: { name: string; child: Group | Dataset }[] = [];
  for (const name of group.keys().slice(0, Math.max(0, budget))) {
    const path = childPath(group.path, name);
    const child = group.get(path);
    const target = externalLinkTarget(child);
    if (target !== null) refuseExternalLink(path, target);
    if (child instanceof h5.Dataset) checkDataset(child, limits);
    if (child instanceof h5.Group || child instanceof h5.Dataset) children.push({ name, child });
  }
  return children;
}

/**
 * Finds the table in an HDF5 file, breadth-first so the shallowest wins. A pandas HDFStore
 * group comes first (its datasets are pieces of one frame), then a compound dataset, then a
 * group of equal-length column datasets. Every dataset met is checked by `checkDataset` before
 * any of its values is read.
 */
export function findHdf5Table(h5: H5wasm, file: Group, limits: Hdf5Limits): Hdf5Table | null {
  const found: Candidates = { pandas: null, compound: null, columns: null };
  const queue: Group[] = [file];
  let visited = 0;
  while (queue.length > 0 && visited < MAX_OBJECTS && !found.pandas) {
    const group = queue.shift();
    if (!group) break;
    const children = childrenOf(h5, group, limits, MAX_OBJECTS - visited);
    visited += children.length;
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
    for (const { name, child } of children) {
      if (child instanceof h5.Group) queue.push(child);
      else if (child instanceof h5.Dataset) {
        const shape = child.shape ?? [];
        if (!found.compound && shape.length === 1 && child.metadata.type === COMPOUND) found.compound = { dataset: child, parent: group };
        datasets.push({ name, dataset: child });
      }
    }
    found.columns ??= columnDatasetsOf(group, datasets);
  }
  if (found.pandas) return found.pandas;
  if (found.compound) {
    const { dataset, parent } = found.compound;
    return withColumnMeta(compoundTable(dataset, 'compound'), astropyHdf5ColumnMeta(h5, parent, dataset));
  }
  return found.columns ? columnGroupTable(found.columns) : null;
}
