import type { Dataset, Group } from 'h5wasm';
import { err, ok, type Result } from '@pz/contracts';
import { tableError, type TableError } from '../errors';
import type { H5wasm } from '../hdf5/h5wasm-module';
import { checkDataset, checkWindow, externalLinkTarget, refuseExternalLink, RefusedHdf5, type Hdf5Limits } from '../hdf5/hdf5-guards';
import { toJsonValue } from '../json-value';
import type { JsonValue, RowWindow, TableColumn, TableRow, TableSlice } from '../types';

/** qp's parameterisations (the `pdf_name` it writes in `meta`), as a reader would say them. */
const PARAMETERISATIONS: Record<string, string> = {
  hist: 'histogram', interp: 'interpolated grid', interp_irregular: 'interpolated irregular grid', mixmod: 'mixture model',
  quant: 'quantiles', spline: 'spline', norm: 'gaussian', packed_interp: 'packed interpolated grid', sparse: 'sparse', voigt: 'voigt', scipy: 'scipy distribution',
};
/** At most this many grid values go into `details.qp_grid` (a histogram's bin edges, an interpolation grid...). */
export const MAX_GRID_VALUES = 2000;
/** `meta/pdf_name` and `meta/pdf_version` are one short string each; a larger one is not read. */
const MAX_NAME_BYTES = 4096;

const product = (values: readonly number[]): number => values.reduce((total, value) => total * value, 1);

/**
 * The child `name` of a group, as a Group, a Dataset or null. An external link is refused before
 * anything is read (libhdf5 sees only the uploaded blob: see read-hdf5-blob.ts), and a dataset is
 * checked (virtual? chunks too large?) before any of its values is.
 */
function childOf(h5: H5wasm, group: Group, name: string, limits: Hdf5Limits): Group | Dataset | null {
  if (!group.keys().includes(name)) return null;
  const path = `${group.path === '/' ? '' : group.path}/${name}`;
  const child = group.get(name);
  const target = externalLinkTarget(child);
  if (target !== null) refuseExternalLink(path, target);
  if (child instanceof h5.Dataset) {
    checkDataset(child, limits);
    return child;
  }
  return child instanceof h5.Group ? child : null;
}

/** The first string of a small text dataset (`meta/pdf_name`...). */
function firstText(dataset: Dataset): string | null {
  const bytes = product(dataset.shape ?? []) * dataset.metadata.size;
  if (bytes > MAX_NAME_BYTES) throw new RefusedHdf5('TABLE_LIMIT_EXCEEDED', `The qp dataset "${dataset.path}" holds ${bytes} bytes where qp writes one short name.`);
  const value: unknown = dataset.value;
  const first: unknown = Array.isArray(value) ? value[0] : ArrayBuffer.isView(value) && !(value instanceof Uint8Array) ? (value as unknown as ArrayLike<unknown>)[0] : value;
  if (typeof first === 'string') return first.replace(/\0+$/, '');
  if (first instanceof Uint8Array) return new TextDecoder().decode(first).replace(/\0+$/, '');
  if (value instanceof Uint8Array) return new TextDecoder().decode(value).replace(/\0+$/, '');
  return first === undefined || first === null ? null : String(first);
}

const numbers = (values: unknown): number[] => Array.from(values as ArrayLike<unknown>, (v) => Number(typeof v === 'bigint' ? Number(v) : v));

/** The first MAX_GRID_VALUES values of the grid (row-major), reading no more than those. */
function gridValues(dataset: Dataset): number[] {
  const shape = dataset.shape ?? [];
  if (shape.length === 0) return numbers([dataset.value]);
  const width = product(shape.slice(1));
  if (width === 0) return [];
  if (shape.length === 2 && width > MAX_GRID_VALUES) return numbers(dataset.slice([[0, 1], [0, MAX_GRID_VALUES]]));
  if (shape.length > 2 && width > MAX_GRID_VALUES) return [];
  const rows = Math.min(shape[0] ?? 0, Math.ceil(MAX_GRID_VALUES / width));
  const rest: [number, number][] = shape.slice(1).map((n) => [0, n]);
  return numbers(dataset.slice([[0, rows], ...rest])).slice(0, MAX_GRID_VALUES);
}

interface PerPdf {
  readonly name: string;
  readonly dataset: Dataset;
  readonly width: number;
}

/** The datasets of a group, each with one row per PDF (`[npdf]`, `[npdf, 1]` or `[npdf, n]`). */
function perPdfDatasets(h5: H5wasm, group: Group, npdf: number | null, groupName: string, limits: Hdf5Limits): PerPdf[] | string {
  const out: PerPdf[] = [];
  for (const name of group.keys()) {
    const node = childOf(h5, group, name, limits);
    if (!(node instanceof h5.Dataset)) continue;
    const shape = node.shape ?? [];
    if (shape.length < 1 || shape.length > 2) return `${groupName}/${name} has ${shape.length} dimensions (a qp dataset has 1 or 2)`;
    const rows = shape[0] ?? 0;
    if (npdf !== null && rows !== npdf && !(npdf === 1 && groupName === 'meta')) return `${groupName}/${name} has ${rows} rows, not one per PDF (${npdf})`;
    out.push({ name, dataset: node, width: shape[1] ?? 1 });
  }
  return out;
}

function rowsOf(datasets: readonly PerPdf[], first: number, count: number, scalarWhenOne: boolean): Map<string, JsonValue[]> {
  const values = new Map<string, JsonValue[]>();
  for (const { name, dataset, width } of datasets) {
    const shape = dataset.shape ?? [];
    const selection: [number, number][] = shape.length === 2 ? [[first, first + count], [0, width]] : [[first, first + count]];
    const flat = count > 0 ? numbers(dataset.slice(selection)) : [];
    values.set(name, Array.from({ length: count }, (_, r) => {
      const cell = flat.slice(r * width, (r + 1) * width).map((v) => toJsonValue(v));
      return scalarWhenOne && width === 1 ? (cell[0] ?? null) : cell;
    }));
  }
  return values;
}

/**
 * Reads an HDF5 file written by qp (RAIL's photo-z PDFs): `meta` names the parameterisation and
 * holds the grid, `data` holds one row per PDF, `ancil` the point estimates. Answers null when
 * the file is not a qp ensemble (no `meta/pdf_name`), so the generic HDF5 table finder takes it.
 *
 * An HDF5 layout reader (hdf5-layout-readers.ts): it runs inside the HDF5 worker on the file
 * already opened there from the uploaded blob alone, never opens a path itself, and reads under
 * the worker's limits. What it throws (a refused external link or chunk, a truncated file) is
 * turned into a table error by read-hdf5-blob.ts, like the generic reader's failures.
 */
export function readQpEnsemble(h5: H5wasm, file: Group, window: RowWindow, limits: Hdf5Limits): Result<TableSlice, TableError> | null {
  const meta = childOf(h5, file, 'meta', limits);
  if (!(meta instanceof h5.Group) || !meta.keys().includes('pdf_name')) return null;
  const nameNode = childOf(h5, meta, 'pdf_name', limits);
  const pdfName = nameNode instanceof h5.Dataset ? firstText(nameNode) : null;
  const claim = `The HDF5 file claims to be a qp ensemble (meta/pdf_name = ${JSON.stringify(pdfName)})`;
  const dataNode = childOf(h5, file, 'data', limits);
  if (!(dataNode instanceof h5.Group)) return err(tableError('TABLE_LAYOUT_BROKEN', `${claim} but has no data group.`));
  const data = perPdfDatasets(h5, dataNode, null, 'data', limits);
  if (typeof data === 'string') return err(tableError('TABLE_LAYOUT_BROKEN', `${claim} but ${data}.`));
  if (data.length === 0) return err(tableError('TABLE_LAYOUT_BROKEN', `${claim} but its data group holds no dataset.`));
  const npdf = data[0]?.dataset.shape?.[0] ?? 0;
  const unequal = data.find((d) => (d.dataset.shape?.[0] ?? 0) !== npdf);
  if (unequal) return err(tableError('TABLE_LAYOUT_BROKEN', `${claim} but data/${unequal.name} has ${unequal.dataset.shape?.[0] ?? 0} rows where data/${data[0]?.name ?? ''} has ${npdf}.`));
  const ancilNode = childOf(h5, file, 'ancil', limits);
  const ancil = ancilNode instanceof h5.Group ? perPdfDatasets(h5, ancilNode, npdf, 'ancil', limits) : [];
  if (typeof ancil === 'string') return err(tableError('TABLE_LAYOUT_BROKEN', `${claim} but ${ancil}.`));

  // The grid: meta's datasets other than the name and version (bins, xvals, quants...).
  const metaDatasets = meta.keys().filter((k) => !['pdf_name', 'pdf_version'].includes(k)).map((k) => ({ name: k, node: childOf(h5, meta, k, limits) }));
  const gridEntry = metaDatasets.find((m) => m.node instanceof h5.Dataset) ?? null;
  const gridName = gridEntry?.name ?? null;
  const grid = gridEntry?.node instanceof h5.Dataset ? gridValues(gridEntry.node) : [];
  const versionNode = childOf(h5, meta, 'pdf_version', limits);

  const columns: TableColumn[] = [
    ...ancil.map(({ name, width }) => ({ name, type: width === 1 ? 'float64' : `float64[${width}]` })),
    ...data.map(({ name, width }) => ({ name, type: `float64[${width}]` })),
  ];
  const first = Math.min(window.offset, npdf);
  const count = Math.max(0, Math.min(window.limit, npdf - first));
  checkWindow([...ancil, ...data].map((d) => d.dataset), count, limits);
  const ancilRows = rowsOf(ancil, first, count, true);
  const dataRows = rowsOf(data, first, count, false);
  const rows: TableRow[] = Array.from({ length: count }, (_, r) => {
    const row: TableRow = {};
    for (const { name } of ancil) row[name] = ancilRows.get(name)?.[r] ?? null;
    for (const { name } of data) row[name] = dataRows.get(name)?.[r] ?? null;
    return row;
  });
  return ok({
    format: 'qp',
    columns,
    nRows: npdf,
    rows,
    details: {
      qp_parameterization: pdfName,
      qp_parameterization_label: pdfName === null ? null : (PARAMETERISATIONS[pdfName] ?? pdfName),
      qp_version: versionNode instanceof h5.Dataset ? firstText(versionNode) : null,
      qp_pdf_count: npdf,
      qp_grid_name: gridName,
      qp_grid: grid.length > 0 ? JSON.stringify(grid) : null,
      qp_point_estimates: ancil.filter((a) => a.width === 1).map((a) => a.name).join(',') || null,
    },
  });
}
