/**
 * How survey catalogs spell their columns, reduced to words: `Alpha_J2000` → alpha j2000,
 * `TARGET_RA` → target ra, `modelMag_r` → model mag r, `RAdeg` → radeg, `ID-IAU` → id iau.
 * Splits on anything not a letter or digit and where a lower-case letter meets an upper-case one.
 */
export function nameTokens(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .map((token) => token.toLowerCase())
    .filter((token) => token !== '');
}

/** Frames and units written into a coordinate's name: `RAJ2000`, `ra_deg`, `DE_ICRS`, `RA_2000`. */
const COORDINATE_QUALIFIERS = new Set(['j2000', 'deg', 'degs', 'degree', 'degrees', 'icrs', '2000', 'fk5', 'j2016', 'j2015', 'd', 'obj', 'targ', 'target', 'plug', 'fiber', 'fibre', 'opt', 'cat', 'best', 'mean', 'ref', 'tile', 'input', 'in', 'phot']);

const withQualifier = (token: string, stems: readonly string[]): boolean =>
  stems.some((stem) => token === stem || (token.startsWith(stem) && /^(j2000|deg|degs|icrs|2000|j2016|j2015|d)$/.test(token.slice(stem.length))));

/** `ra`, `alpha`, `raj2000`, `radeg`, `alphaj2000`... */
export const isRaWord = (token: string): boolean => withQualifier(token, ['ra', 'alpha', 'rightascension']);
/** `dec`, `decl`, `delta`, `dej2000`, `decdeg`... (`de` alone only with a qualifier, see the caller). */
export const isDecWord = (token: string): boolean => withQualifier(token, ['dec', 'decl', 'delta', 'declination']) || /^de(j2000|deg|icrs|2000|j2016|j2015)$/.test(token);

export const isCoordinateQualifier = (token: string): boolean => COORDINATE_QUALIFIERS.has(token);

/** Words that make a column a measure *about* another quantity rather than the quantity itself. */
export const ERROR_WORDS = new Set(['err', 'error', 'errs', 'errors', 'sig', 'sigma', 'unc', 'uncertainty', 'std', 'stddev', 'rms', 'ivar', 'invvar', 'var', 'msigcom', 'cmsig', 'dz', 'ez']);

/** Photometric bands as they appear in column names, with the IVOA UCD word of their spectral range. */
const BANDS: Record<string, string> = {
  u: 'em.opt.U', g: 'em.opt.B', r: 'em.opt.R', i: 'em.opt.I', z: 'em.opt.I', y: 'em.IR.J',
  b: 'em.opt.B', v: 'em.opt.V', bj: 'em.opt.B', rf: 'em.opt.R', bp: 'em.opt.B', rp: 'em.opt.R',
  j: 'em.IR.J', h: 'em.IR.H', k: 'em.IR.K', ks: 'em.IR.K',
  w1: 'em.IR.3-4um', w2: 'em.IR.4-8um', w3: 'em.IR.8-15um', w4: 'em.IR.15-30um',
  nuv: 'em.UV.200-300nm', fuv: 'em.UV.100-200nm',
};

export const isBand = (token: string): boolean => Object.hasOwn(BANDS, token);
export const bandUcd = (band: string): string | null => (Object.hasOwn(BANDS, band) ? (BANDS[band] ?? null) : null);

/** Gaia writes its broad band as `phot_g_mean_mag`: a bare `g` there is Gaia's G, still optical. */
export function bandOf(tokens: readonly string[], skip: ReadonlySet<string>): string | null {
  for (const token of tokens) {
    if (skip.has(token)) continue;
    if (isBand(token)) return token;
  }
  return null;
}

/** `umag`, `w1mag`, `Jmag` → the band before `mag`; `MAGI`, `magr` → the band after it. */
export function bandInMagWord(token: string): string | null {
  const before = /^([a-z0-9]{1,3})mag$/.exec(token);
  if (before?.[1] && isBand(before[1])) return before[1];
  const after = /^mag([a-z0-9]{1,3})$/.exec(token);
  if (after?.[1] && isBand(after[1])) return after[1];
  return null;
}
