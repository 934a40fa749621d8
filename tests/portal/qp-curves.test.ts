import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as QpCurvesModule from '../../web/src/lib/qp-curves';

let qp: typeof QpCurvesModule;

// web/tsconfig.json extends the one `svelte-kit sync` writes (npm test's typecheck does it first).
beforeAll(async () => {
  const web = path.resolve(import.meta.dirname, '../../web');
  if (!existsSync(path.join(web, '.svelte-kit/tsconfig.json'))) execFileSync('npx', ['svelte-kit', 'sync'], { cwd: web, stdio: 'ignore' });
  qp = await import('../../web/src/lib/qp-curves');
});

/** Trapezoid area under a curve. */
const area = (curve: { z: number; p: number }[]) => curve.slice(1).reduce((sum, pt, i) => sum + ((pt.p + (curve[i]?.p ?? 0)) / 2) * (pt.z - (curve[i]?.z ?? 0)), 0);

const info = (parameterization: string, grid: number[]) => ({ parameterization, parameterization_label: null, pdf_count: 1, grid_name: null, grid, point_estimates: [] });

describe('qp PDFs as curves for the product page', () => {
  it('draws a histogram as steps over its edges, and refuses a row that does not fit the edges', () => {
    const curve = qp.pdfCurve(info('hist', [0, 1, 2, 4]), { pdfs: [0.5, 0.25, 0.125] });
    expect(curve).toEqual([{ z: 0, p: 0.5 }, { z: 1, p: 0.5 }, { z: 1, p: 0.25 }, { z: 2, p: 0.25 }, { z: 2, p: 0.125 }, { z: 4, p: 0.125 }]);
    expect(area(curve ?? [])).toBeCloseTo(1, 9);
    expect(qp.pdfCurve(info('hist', [0, 1]), { pdfs: [1, 2] })).toBeNull();
  });

  it('evaluates a Gaussian mixture that integrates to one and peaks at its heavier component', () => {
    const curve = qp.pdfCurve(info('mixmod', []), { means: [0.5, 1.5], stds: [0.1, 0.2], weights: [0.7, 0.3] }) ?? [];
    expect(area(curve)).toBeCloseTo(1, 2);
    const peak = curve.reduce((best, pt) => (pt.p > best.p ? pt : best));
    expect(Math.abs(peak.z - 0.5)).toBeLessThan(0.02);
    expect(qp.pdfCurve(info('mixmod', []), { means: [0.5], stds: [0], weights: [1] })).toBeNull();
  });

  it('turns quantiles into the density they enclose, and interpolated grids into points', () => {
    const curve = qp.pdfCurve(info('quant', [0.1, 0.5, 0.9]), { locs: [0.2, 0.4, 1.0] }) ?? [];
    expect(area(curve)).toBeCloseTo(0.8, 9);
    expect(qp.pdfCurve(info('interp', [0, 1, 2]), { yvals: [0, 1, 0] })).toEqual([{ z: 0, p: 0 }, { z: 1, p: 1 }, { z: 2, p: 0 }]);
    expect(qp.pdfCurve(info('spline', []), {})).toBeNull();
  });

  it('counts point estimates into equal bins', () => {
    expect(qp.histogramOf([0, 0.1, 0.2, 1, Number.NaN], 2)).toEqual({ low: 0, high: 1, counts: [3, 1] });
    expect(qp.histogramOf([])).toBeNull();
  });
});
