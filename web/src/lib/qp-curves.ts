/**
 * Photo-z PDFs of a qp ensemble as curves to plot: (z, p) points for one row of `read_data`,
 * from the ensemble's parameterisation and grid (main_file_info's `qp`). Parameterisations
 * without a curve here (spline, packed, scipy…) answer null and the page says so.
 */

export interface QpInfo {
  parameterization: string | null;
  parameterization_label: string | null;
  pdf_count: number;
  grid_name: string | null;
  grid: number[];
  point_estimates: string[];
}

export type Curve = { z: number; p: number }[];

const numbers = (value: unknown): number[] | null =>
  Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isFinite(v)) ? (value as number[]) : null;

/** A histogram as a step curve over its bin edges. */
function histogram(edges: number[], heights: number[]): Curve | null {
  if (edges.length !== heights.length + 1) return null;
  return heights.flatMap((p, i) => [{ z: edges[i] as number, p }, { z: edges[i + 1] as number, p }]);
}

/** A mixture of Gaussians evaluated on 200 points spanning ±4σ of its components. */
function mixture(means: number[], stds: number[], weights: number[]): Curve | null {
  if (means.length === 0 || means.length !== stds.length || means.length !== weights.length || stds.some((s) => s <= 0)) return null;
  const low = Math.max(0, Math.min(...means.map((m, i) => m - 4 * (stds[i] as number))));
  const high = Math.max(...means.map((m, i) => m + 4 * (stds[i] as number)));
  return Array.from({ length: 200 }, (_, k) => {
    const z = low + ((high - low) * k) / 199;
    const p = means.reduce((sum, m, i) => {
      const s = stds[i] as number;
      return sum + ((weights[i] as number) / (s * Math.sqrt(2 * Math.PI))) * Math.exp(-0.5 * ((z - m) / s) ** 2);
    }, 0);
    return { z, p };
  });
}

/** The density implied by quantiles: between consecutive locations, the probability they enclose. */
function quantiles(quants: number[], locs: number[]): Curve | null {
  if (quants.length !== locs.length || quants.length < 2) return null;
  const curve: Curve = [];
  for (let i = 0; i + 1 < locs.length; i++) {
    const width = (locs[i + 1] as number) - (locs[i] as number);
    if (width <= 0) continue;
    const p = ((quants[i + 1] as number) - (quants[i] as number)) / width;
    curve.push({ z: locs[i] as number, p }, { z: locs[i + 1] as number, p });
  }
  return curve.length > 0 ? curve : null;
}

/** One row's PDF as a curve, or null when this parameterisation is not drawn here. */
export function pdfCurve(info: QpInfo, row: Record<string, unknown>): Curve | null {
  switch (info.parameterization) {
    case 'hist': {
      const heights = numbers(row.pdfs);
      return heights ? histogram(info.grid, heights) : null;
    }
    case 'interp': {
      const y = numbers(row.yvals);
      return y && y.length === info.grid.length ? info.grid.map((z, i) => ({ z, p: y[i] as number })) : null;
    }
    case 'interp_irregular': {
      const x = numbers(row.xvals);
      const y = numbers(row.yvals);
      return x && y && x.length === y.length ? x.map((z, i) => ({ z, p: y[i] as number })) : null;
    }
    case 'mixmod': {
      const [m, s, w] = [numbers(row.means), numbers(row.stds), numbers(row.weights)];
      return m && s && w ? mixture(m, s, w) : null;
    }
    case 'quant': {
      const locs = numbers(row.locs);
      return locs ? quantiles(info.grid, locs) : null;
    }
    default:
      return null;
  }
}

/** Counts of `values` in `bins` equal bins between their least and greatest. */
export function histogramOf(values: number[], bins = 20): { low: number; high: number; counts: number[] } | null {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return null;
  const low = Math.min(...finite);
  const high = Math.max(...finite);
  const counts = new Array<number>(bins).fill(0);
  const width = (high - low) / bins || 1;
  for (const v of finite) counts[Math.min(bins - 1, Math.floor((v - low) / width))]! += 1;
  return { low, high, counts };
}
