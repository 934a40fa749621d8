import type { Dataset, Group } from 'h5wasm/node';
import { err, ok, type Result } from '@pz/contracts';
import { tableError, type TableError } from '../errors';
import { hdf5ErrorReason, loadH5wasm } from '../hdf5/h5wasm-module';
import { toJsonValue } from '../json-value';
import type { JsonValue, ReadContext, RowWindow, TableColumn, TableRow, TableSlice } from '../types';

/** qp's parameterisations (the `pdf_name` it writes in `meta`), as a reader would say them. */
const PARAMETERISATIONS: Record<string, string> = {
  hist: 'histogram', interp: 'interpolated grid', interp_irregular: 'interpolated irregular grid', mixmod: 'mixture model',
  quant: 'quantiles', spline: 'spline', norm: 'gaussian', packed_interp: 'packed interpolated grid', sparse: 'sparse', voigt: 'voigt', scipy: 'scipy distribution',
};
/** At most this many grid values go into `details.qp_grid` (a histogram's bin edges, an interpolation grid...). */
export const MAX_GRID_VALUES = 2000;

const isGroup = (node: unknown): node is Group => typeof node === 'object' && node !== null && 'keys' in node && typeof (node as Group).keys === 'function';
const isDataset = (node: unknown): node is Dataset => typeof node === 'object' && node !== null && 'shape' in node;

function firstText(dataset: Dataset): string | null {
  const value: unknown = dataset.value;
  const first: unknown = Array.isArray(value) ? value[0] : ArrayBuffer.isView(value) && !(value instanceof Uint8Array) ? (value as unknown as ArrayLike<unknown>)[0] : value;
  if (typeof first === 'string') return first.replace(/\0+$/, '');
  if (first instanceof Uint8Array) return new TextDecoder().decode(first).replace(/\0+$/, '');
  if (value instanceof Uint8Array) return new TextDecoder().decode(value).replace(/\0+$/, '');
  return first === undefined || first === null ? null : String(first);
}

const numbers = (values: unknown): number[] => Array.from(values as ArrayLike<unknown>, (v) => Number(typeof v === 'bigint' ? Number(v) : v));

interface PerPdf {
  readonly name: string;
  readonly dataset: Dataset;
  readonly width: number;
}

/** The datasets of a group, each with one row per PDF (`[npdf]`, `[npdf, 1]` or `[npdf, n]`). */
function perPdfDatasets(group: Group, npdf: number | null, groupName: string): PerPdf[] | string {
  const out: PerPdf[] = [];
  for (const name of group.keys()) {
    const node = group.get(name);
    if (!isDataset(node)) continue;
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
    const flat = numbers(dataset.slice(selection));
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
 * the file is not a qp ensemble (no `meta/pdf_name`), so the HDF5 table reader takes it.
 */
export async function readQpEnsemble(filePath: string, window: RowWindow, _context: ReadContext): Promise<Result<TableSlice, TableError> | null> {
  const h5 = await loadH5wasm();
  let file: InstanceType<typeof h5.File>;
  try {
    file = new h5.File(filePath, 'r');
  } catch {
    return null;
  }
  try {
    const meta = file.keys().includes('meta') ? file.get('meta') : null;
    if (!isGroup(meta) || !meta.keys().includes('pdf_name')) return null;
    const nameNode = meta.get('pdf_name');
    const pdfName = isDataset(nameNode) ? firstText(nameNode) : null;
    const claim = `The HDF5 file claims to be a qp ensemble (meta/pdf_name = ${JSON.stringify(pdfName)})`;
    const dataNode = file.keys().includes('data') ? file.get('data') : null;
    if (!isGroup(dataNode)) return err(tableError('TABLE_LAYOUT_BROKEN', `${claim} but has no data group.`));
    const data = perPdfDatasets(dataNode, null, 'data');
    if (typeof data === 'string') return err(tableError('TABLE_LAYOUT_BROKEN', `${claim} but ${data}.`));
    if (data.length === 0) return err(tableError('TABLE_LAYOUT_BROKEN', `${claim} but its data group holds no dataset.`));
    const npdf = data[0]?.dataset.shape?.[0] ?? 0;
    const unequal = data.find((d) => (d.dataset.shape?.[0] ?? 0) !== npdf);
    if (unequal) return err(tableError('TABLE_LAYOUT_BROKEN', `${claim} but data/${unequal.name} has ${unequal.dataset.shape?.[0] ?? 0} rows where data/${data[0]?.name ?? ''} has ${npdf}.`));
    const ancilNode = file.keys().includes('ancil') ? file.get('ancil') : null;
    const ancil = isGroup(ancilNode) ? perPdfDatasets(ancilNode, npdf, 'ancil') : [];
    if (typeof ancil === 'string') return err(tableError('TABLE_LAYOUT_BROKEN', `${claim} but ${ancil}.`));

    // The grid: meta's numeric datasets other than the name and version (bins, xvals, quants...).
    const gridNames = meta.keys().filter((k) => !['pdf_name', 'pdf_version'].includes(k) && isDataset(meta.get(k)));
    const gridName = gridNames[0] ?? null;
    const gridNode = gridName === null ? null : meta.get(gridName);
    const grid = isDataset(gridNode) ? numbers(gridNode.value).slice(0, MAX_GRID_VALUES) : [];
    const versionNode = meta.keys().includes('pdf_version') ? meta.get('pdf_version') : null;

    const columns: TableColumn[] = [
      ...ancil.map(({ name, width }) => ({ name, type: width === 1 ? 'float64' : `float64[${width}]` })),
      ...data.map(({ name, width }) => ({ name, type: `float64[${width}]` })),
    ];
    const first = Math.min(window.offset, npdf);
    const count = Math.min(window.limit, npdf - first);
    const ancilRows = rowsOf(ancil, first, count, true);
    const dataRows = rowsOf(data, first, count, false);
    const rows: TableRow[] = Array.from({ length: Math.max(count, 0) }, (_, r) => {
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
        qp_version: isDataset(versionNode) ? firstText(versionNode) : null,
        qp_pdf_count: npdf,
        qp_grid_name: gridName,
        qp_grid: grid.length > 0 ? JSON.stringify(grid) : null,
        qp_point_estimates: ancil.filter((a) => a.width === 1).map((a) => a.name).join(',') || null,
      },
    });
  } catch (cause) {
    return err(tableError('TABLE_UNREADABLE', `The qp ensemble could not be read: ${hdf5ErrorReason(cause)}.`));
  } finally {
    try {
      file.close();
    } catch {
      // The handle is gone either way.
    }
  }
}
