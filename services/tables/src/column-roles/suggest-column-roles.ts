import { COLUMN_ROLES } from '@pz/contracts';
import { shareWithin, type ColumnSample } from './column-sample';
import { bandInMagWord, bandOf, bandUcd, ERROR_WORDS, isBand, isCoordinateQualifier, isDecWord, isRaWord, nameTokens } from './column-names';

/** One column as a reader describes it; unit, UCD and description when the format carries them. */
export interface ColumnDescription {
  readonly name: string;
  readonly type: string;
  readonly unit?: string | null;
  readonly ucd?: string | null;
  readonly description?: string | null;
}

/** Roles with an alias (`COLUMN_ROLES` in contracts) are unique per table; photometry roles are not. */
export type ColumnRole = 'ID' | 'RA' | 'Dec' | 'z' | 'z_err' | 'z_flag' | 'survey' | 'mag' | 'mag_err' | 'flux' | 'flux_err';

export interface ColumnRoleSuggestion {
  readonly column: string;
  readonly role: ColumnRole;
  /** The column-role alias (ID, RA, Dec, z, z_err, z_flag, survey); null for photometry. */
  readonly alias: string | null;
  readonly ucd: string;
  /** The photometric band (`r`, `w1`, `ks`...) of a magnitude or flux, when the name or UCD says. */
  readonly band: string | null;
  /** 0..1: how sure the rules are. */
  readonly confidence: number;
}

type AliasedRole = Exclude<ColumnRole, 'mag' | 'mag_err' | 'flux' | 'flux_err'>;

/** The roles with an alias, and their UCDs, from the one table of them (`COLUMN_ROLES`). */
const ROLE_UCD: Record<AliasedRole, string> = Object.fromEntries(COLUMN_ROLES.map((r) => [r.alias, r.ucd])) as Record<AliasedRole, string>;

const isAliased = (role: ColumnRole): role is keyof typeof ROLE_UCD => Object.hasOwn(ROLE_UCD, role);

/** Below this a guess is not worth showing. */
const MIN_CONFIDENCE = 0.4;

interface Candidate {
  readonly role: ColumnRole;
  readonly score: number;
  readonly band?: string | null;
}

interface Column {
  readonly description: ColumnDescription;
  readonly tokens: readonly string[];
  readonly words: ReadonlySet<string>;
  readonly sample: ColumnSample | undefined;
  readonly unit: string;
  readonly ucdWords: readonly string[];
}

const REDSHIFT_WORDS = new Set(['z', 'redshift', 'zspec', 'specz', 'zbest', 'zhelio', 'zfinal', 'zsp', 'zobs', 'zfit', 'zgal', 'zcmb', 'zspc', 'zspecbest', 'zred']);
const PHOTO_Z_WORDS = new Set(['zphot', 'photoz', 'zphoto', 'zph', 'photz', 'zb', 'zml', 'zpeak', 'zmode', 'zmean', 'zmedian']);
/** Words of photometry, pipelines and sky positions: with one of these, `z` is a band, not a redshift. */
const PHOTOMETRY_WORDS = new Set(['mag', 'mags', 'magnitude', 'magerr', 'flux', 'fluxes', 'fluxerr', 'fiber', 'fibre', 'psf', 'model', 'cmodel', 'petro', 'auto', 'aper', 'ext', 'extinction', 'dered', 'kcorr', 'sky', 'snr', 'sn', 'nobs', 'depth', 'band', 'filter', 'kron', 'iso', 'mw', 'transmission', 'fwhm', 'size', 'pos', 'cen']);
const QUALITY_WORDS = new Set(['flag', 'flags', 'flg', 'qual', 'quality', 'q', 'conf', 'confidence', 'warn', 'warning', 'grade', 'qop', 'nq', 'qz', 'zconf', 'reliability', 'rel']);
const REDSHIFT_QUALITY_WORDS = /^(z|redshift|zspec|spec)(flag|flags|flg|qual|quality|q|conf|warn|warning|warnings|grade|qflag|status|ok)$/;
const SURVEY_WORDS: Record<string, number> = { survey: 0.9, surveyname: 0.9, instrument: 0.75, instr: 0.7, telescope: 0.7, spectrograph: 0.7, facility: 0.6, program: 0.5, programme: 0.5 };
const ID_SUFFIX_EXCLUDED = /^(fiber|fibre|plate|tile|field|run|exp|survey|solution|program|release|healpix|hpx|brick|petal|file|version|mjd|night|chip|ccd|frame|pointing|mask|slit|quad|class|type|template)id$/;
const ID_CONTEXT_EXCLUDED = new Set(['fiber', 'fibre', 'plate', 'tile', 'field', 'run', 'exp', 'exposure', 'survey', 'solution', 'program', 'release', 'healpix', 'hpx', 'brick', 'petal', 'file', 'version', 'night', 'chip', 'ccd', 'frame', 'pointing', 'mask', 'slit', 'template', 'class', 'type', 'parent', 'host', 'group', 'cluster', 'pair', 'match', 'flag', 'err']);
const ID_QUALIFIERS = new Set(['unique', 'obj', 'object', 'source', 'src', 'target', 'targ', 'gal', 'galaxy', 'cat', 'catalog', 'catalogue', 'main', 'u', 'uid', 'row', 'star', 'spec', 'specobj', 'sdss', 'des', 'desi', 'gaia', 'seq']);
const NUMBER_WORDS = new Set(['num', 'number', 'no', 'nr', 'seq', 'seqnr', 'seqno', 'objno', 'recno', 'cntr', 'objnum', 'sourcenum', 'idx']);
const DESIGNATION_WORDS = new Set(['designation', 'name', 'iau', 'objname', 'targetname', 'target', 'galname', 'desig', 'identifier']);
/** pandas writes its row index as `__index_level_0__`: row numbers, not identifiers of objects. */
const INDEX_WORDS = new Set(['index', 'level', 'unnamed']);
/** Proper motions, offsets and separations are measured along RA/Dec but are not positions. */
const NOT_POSITION_WORDS = new Set(['pm', 'pmra', 'pmdec', 'ofs', 'offset', 'off', 'diff', 'sep', 'dist', 'rate', 'dot', 'corr', 'cov', 'dra', 'ddec', 'shift', 'min', 'max', 'hms', 'dms', 'sex', 'str', 'text', 'rad', 'h', 'hr']);

const isNumericType = (type: string): boolean => !type.includes('[') && /^(u?int|float|double|decimal|number|real|long|short)/i.test(type);
const isTextType = (type: string): boolean => !type.includes('[') && /^(string|str|text|utf8|char|bytes|unicode|object)/i.test(type);
const isFloatType = (type: string): boolean => !type.includes('[') && /^(float|double|decimal|real)/i.test(type);

const hasErrorWord = (tokens: readonly string[]): boolean => tokens.some((t) => ERROR_WORDS.has(t)) || tokens[0] === 'e' || tokens[tokens.length - 1] === 'e';

function positionScore(column: Column, isWord: (token: string) => boolean): number {
  const { tokens, words } = column;
  if (!tokens.some(isWord) || hasErrorWord(tokens) || tokens.some((t) => NOT_POSITION_WORDS.has(t) || t.startsWith('gal'))) return 0;
  if (tokens.length === 1) return 0.95;
  if (tokens.every((t) => isWord(t) || isCoordinateQualifier(t))) return words.has('j2000') || words.has('deg') || words.has('icrs') ? 0.92 : 0.9;
  return 0.6;
}

function positionCandidate(column: Column, role: 'RA' | 'Dec'): Candidate | null {
  const fromUcd = column.ucdWords.includes(role === 'RA' ? 'pos.eq.ra' : 'pos.eq.dec') && !column.ucdWords.includes('stat.error') ? (column.ucdWords.includes('meta.main') ? 0.98 : 0.9) : 0;
  let score = Math.max(fromUcd, positionScore(column, role === 'RA' ? isRaWord : isDecWord));
  if (role === 'Dec' && column.tokens.length === 1 && column.tokens[0] === 'de') score = Math.max(score, 0.6);
  if (score === 0 || !isNumericType(column.description.type)) return null;
  if (/^(h|hr|hour|hours|hourangle|rad|radian|radians)$/i.test(column.unit)) return null;
  const inRange = role === 'RA' ? shareWithin(column.sample, 0, 360) : shareWithin(column.sample, -90, 90);
  if (inRange !== null && inRange < 0.9) return null;
  if (/^deg(ree)?s?$/i.test(column.unit)) score = Math.min(0.99, score + 0.03);
  return { role, score };
}

function isRedshiftName(tokens: readonly string[]): 'spec' | 'photo' | null {
  if (tokens.some((t) => PHOTOMETRY_WORDS.has(t) || QUALITY_WORDS.has(t) || bandInMagWord(t) !== null)) return null;
  if (tokens.some((t) => REDSHIFT_WORDS.has(t))) return tokens.some((t) => t === 'phot' || t === 'photo' || t === 'photometric') ? 'photo' : 'spec';
  if (tokens.some((t) => PHOTO_Z_WORDS.has(t))) return 'photo';
  return null;
}

function redshiftCandidates(column: Column): Candidate[] {
  const { tokens, ucdWords } = column;
  const type = column.description.type;
  if (!isNumericType(type)) return [];
  const candidates: Candidate[] = [];
  const ucdRedshift = ucdWords.includes('src.redshift') || ucdWords.includes('src.redshift.phot');
  const kind = isRedshiftName(tokens.filter((t) => !ERROR_WORDS.has(t) && t !== 'e'));
  const compoundError = tokens.some((t) => /^(z|redshift|zspec|zphot|zbest)(err|error|sig|sigma|unc)s?$/.test(t) || /^(e|err|sig|sigma|d)(z|zspec|redshift|zbest)$/.test(t));
  const isError = (kind !== null && hasErrorWord(tokens)) || compoundError || (ucdRedshift && ucdWords.includes('stat.error'));
  if (isError) {
    const nonNegative = shareWithin(column.sample, 0, Number.POSITIVE_INFINITY);
    if (nonNegative === null || nonNegative >= 0.5) candidates.push({ role: 'z_err', score: ucdRedshift ? 0.95 : 0.85 });
    return candidates;
  }
  let score = ucdRedshift ? 0.97 : 0;
  if (kind === 'spec') score = Math.max(score, tokens.length === 1 ? 0.92 : tokens.every((t) => REDSHIFT_WORDS.has(t) || ['spec', 'best', 'final', 'helio', 'cmb', 'obs', 'gal', 'sp'].includes(t)) ? 0.88 : 0.6);
  if (kind === 'photo') score = Math.max(score, 0.7);
  if (score === 0) return [];
  // A redshift is a real number: an integer column named `z` is a count or a code.
  if (!isFloatType(type) && type !== 'float' && !(column.sample && !column.sample.wholeNumbers)) score -= 0.3;
  const inRange = shareWithin(column.sample, -0.05, 7.5);
  if (inRange !== null && inRange < 0.5) return [];
  if (column.unit !== '' && !/^(-|dimensionless|none|z)$/i.test(column.unit)) score -= 0.25;
  candidates.push({ role: 'z', score });
  return candidates;
}

function qualityCandidate(column: Column): Candidate | null {
  const { tokens, ucdWords, sample } = column;
  if (hasErrorWord(tokens) || tokens.some((t) => PHOTOMETRY_WORDS.has(t) || bandInMagWord(t) !== null)) return null;
  let score = 0;
  const aboutRedshift = tokens.some((t) => REDSHIFT_WORDS.has(t) || t === 'spec');
  if (tokens.some((t) => REDSHIFT_QUALITY_WORDS.test(t))) score = 0.9;
  else if (tokens.some((t) => QUALITY_WORDS.has(t))) score = aboutRedshift ? 0.9 : tokens.length === 1 ? 0.72 : 0.55;
  if (ucdWords.includes('meta.code.qual') || ucdWords.includes('stat.rank')) score = Math.max(score, aboutRedshift ? 0.92 : 0.75);
  if (score === 0) return null;
  // Quality codes are few: whole numbers (or x.5 steps), or short labels.
  if (sample && sample.nonNull > 0) {
    const fewCodes = sample.distinct <= 30;
    if (sample.numeric === sample.nonNull) {
      if (!sample.wholeNumbers && !fewCodes) return null;
    } else if (!fewCodes || sample.text > 0 && sample.distinct > 12) return null;
  }
  if (!isNumericType(column.description.type) && !isTextType(column.description.type)) return null;
  return { role: 'z_flag', score };
}

function surveyCandidate(column: Column): Candidate | null {
  let score = Math.max(0, ...column.tokens.map((t) => SURVEY_WORDS[t] ?? 0));
  if (column.ucdWords.includes('meta.curation')) score = Math.max(score, 0.92);
  if (score === 0 || column.tokens.some((t) => t === 'id' || t.endsWith('id') || QUALITY_WORDS.has(t))) return null;
  if (!isTextType(column.description.type)) score *= 0.6;
  return { role: 'survey', score };
}

function idScore(tokens: readonly string[]): number {
  if (tokens.some((t) => ID_CONTEXT_EXCLUDED.has(t) || ERROR_WORDS.has(t)) || tokens.every((t) => INDEX_WORDS.has(t) || /^\d+$/.test(t))) return 0;
  if (tokens.some((t) => DESIGNATION_WORDS.has(t))) return 0.45;
  if (tokens.includes('id')) {
    if (tokens.length === 1) return 0.92;
    return tokens.every((t) => t === 'id' || ID_QUALIFIERS.has(t)) ? 0.88 : 0.78;
  }
  const last = tokens[tokens.length - 1] ?? '';
  if (/^[a-z]{1,12}id$/.test(last) && !ID_SUFFIX_EXCLUDED.test(last)) return tokens.length === 1 ? 0.8 : 0.72;
  if (tokens.length === 1 && NUMBER_WORDS.has(last)) return 0.7;
  if (tokens.some((t) => t === 'uid' || t === 'objid' || t === 'sourceid')) return 0.75;
  return 0;
}

function idCandidate(column: Column): Candidate | null {
  const { ucdWords, sample } = column;
  let score = idScore(column.tokens);
  if (ucdWords.includes('meta.id')) score = Math.max(score, ucdWords.includes('meta.main') ? 0.97 : 0.7);
  if (score === 0) return null;
  const type = column.description.type;
  if (!isNumericType(type) && !isTextType(type)) return null;
  if (isFloatType(type) && sample && !sample.wholeNumbers) return null;
  // Identifiers are unique: repeated values in the preview rule a column out.
  if (sample && sample.nonNull >= 2 && sample.distinct < sample.nonNull) return null;
  return { role: 'ID', score };
}

function photometryCandidate(column: Column): Candidate | null {
  const { tokens, ucdWords } = column;
  if (!isNumericType(column.description.type)) return null;
  const bandFromUcd = ucdWords.find((w) => w.startsWith('em.'));
  const ucdBand = bandFromUcd ? (Object.entries({ u: 'em.opt.u', g: 'em.opt.b', r: 'em.opt.r', i: 'em.opt.i', v: 'em.opt.v', j: 'em.ir.j', h: 'em.ir.h', k: 'em.ir.k' }).find(([, w]) => w === bandFromUcd)?.[0] ?? null) : null;
  if (ucdWords.includes('phot.mag')) return { role: ucdWords.includes('stat.error') ? 'mag_err' : 'mag', score: 0.95, band: ucdBand };
  if (ucdWords.some((w) => w.startsWith('phot.flux'))) return { role: ucdWords.includes('stat.error') ? 'flux_err' : 'flux', score: 0.95, band: ucdBand };
  const magWordBand = tokens.map(bandInMagWord).find((b) => b !== null) ?? null;
  const isMag = magWordBand !== null || tokens.some((t) => t === 'mag' || t === 'mags' || t === 'magnitude' || t === 'magerr' || /^[a-z]+mag$/.test(t) || /^mag(err)?[a-z]*$/.test(t) && t.length <= 8) ||
    (tokens.length >= 2 && isBand(tokens[0] ?? '') && ['m', 'msigcom', 'cmsig', 'msig'].includes(tokens[1] ?? ''));
  const isFlux = tokens.some((t) => t === 'flux' || t === 'fluxes' || t === 'fnu' || t === 'flx' || /^flux(err|ivar|auto|aper|psf)?$/.test(t) || /^[a-z]+flux$/.test(t));
  if (!isMag && !isFlux) return null;
  if (tokens.some((t) => ['over', 'ratio', 'frac', 'fraction', 'limit', 'lim', 'excess', 'color', 'colour', 'abs', 'absolute', 'zp', 'zeropoint', 'nobs', 'sn', 'snr', 'flag', 'flags'].includes(t))) return null;
  const error = hasErrorWord(tokens) || tokens.some((t) => /err|sig|ivar/.test(t) && t !== 'sigma_clip');
  const skip = new Set(['mag', 'mags', 'magerr', 'flux', 'fluxerr', 'err', 'error', 'e', 'auto', 'aper', 'psf', 'model', 'mean', 'phot']);
  const band = magWordBand ?? bandOf(tokens, skip);
  const unitIsMag = /^mag/i.test(column.unit);
  if (isMag) return { role: error ? 'mag_err' : 'mag', score: unitIsMag ? 0.85 : 0.75, band };
  return { role: error ? 'flux_err' : 'flux', score: 0.75, band };
}

const photometryUcd = (role: 'mag' | 'mag_err' | 'flux' | 'flux_err', band: string | null): string => {
  const base = role.startsWith('mag') ? 'phot.mag' : 'phot.flux';
  const spectral = band === null ? null : bandUcd(band);
  const quantity = spectral === null ? base : `${base};${spectral}`;
  return role.endsWith('_err') ? `stat.error;${quantity}` : quantity;
};

function candidatesOf(column: Column): Candidate[] {
  const all = [positionCandidate(column, 'RA'), positionCandidate(column, 'Dec'), ...redshiftCandidates(column), qualityCandidate(column), surveyCandidate(column), idCandidate(column), photometryCandidate(column)];
  return all.filter((c): c is Candidate => c !== null && c.score >= MIN_CONFIDENCE);
}

/**
 * Guesses each column's role from its name (split into words, so `TARGET_RA`, `Alpha_J2000`,
 * `RAdeg` are all RA), its UCD and unit when the file has them, its type, and the values of a
 * sample of rows (RA within [0, 360], Dec within [-90, 90], a redshift mostly within [0, 7],
 * identifiers unique). Each aliased role goes to at most one column, the most certain; a column
 * gets at most one role. Pure: the same columns and samples give the same suggestions.
 */
export function suggestColumnRoles(columns: readonly ColumnDescription[], samples: ReadonlyMap<string, ColumnSample> = new Map()): ColumnRoleSuggestion[] {
  const described: Column[] = columns.map((description) => ({
    description,
    tokens: nameTokens(description.name),
    words: new Set(nameTokens(description.name)),
    sample: samples.get(description.name),
    unit: (description.unit ?? '').trim(),
    ucdWords: (description.ucd ?? '').toLowerCase().split(';').map((w) => w.trim()).filter((w) => w !== ''),
  }));
  const ranked = described
    .flatMap((column, index) => candidatesOf(column).map((candidate) => ({ column, index, candidate })))
    .sort((a, b) => b.candidate.score - a.candidate.score || a.index - b.index);
  const taken = new Set<ColumnRole>();
  const chosen = new Map<number, ColumnRoleSuggestion>();
  for (const { column, index, candidate } of ranked) {
    if (chosen.has(index)) continue;
    const { role } = candidate;
    if (isAliased(role)) {
      if (taken.has(role)) continue;
      taken.add(role);
      chosen.set(index, { column: column.description.name, role, alias: role, ucd: ROLE_UCD[role], band: null, confidence: round(candidate.score) });
    } else {
      const band = candidate.band ?? null;
      chosen.set(index, { column: column.description.name, role, alias: null, ucd: photometryUcd(role, band), band, confidence: round(candidate.score) });
    }
  }
  return [...chosen.entries()].sort(([a], [b]) => a - b).map(([, suggestion]) => suggestion);
}

const round = (score: number): number => Math.round(Math.min(1, score) * 100) / 100;
