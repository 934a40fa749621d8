import { stat } from 'node:fs/promises';
import { ok, type Result } from '@pz/contracts';
import { parquetWriteFile, type ColumnSource } from 'hyparquet-writer';
import { toFloat64, toTexts } from '../catalog-io/column-conversions';
import { readAllTableColumns, readTableColumns } from '../catalog-io/read-table-columns';
import type { ColumnValues } from '../catalog-io/table-columns';
import { describeCause, pipelineFailure, type PipelineError } from '../errors';
import { angularSeparation, findSkyPairs } from '../sky/find-sky-pairs';

/**
 * Training Set Maker: the objects of a photometric catalog that lie within `radiusArcsec` of a
 * reference redshift, with every column of the object catalog (magnitudes and their errors) and
 * the reference's redshift, error, flag and survey.
 *
 * - For each reference row, the objects within the radius, nearest first, at most `nNeighbors`.
 * - `closest`: each reference keeps its nearest object only, and an object claimed by several
 *   references keeps only the nearest of them (equal separations: the earlier reference row).
 * - `all`: every (reference, object) pair so found.
 * Pairs are found with the zones index of `findSkyPairs` (never all pairs), separations by haversine.
 */

export const DUPLICATE_CRITERIA = ['closest', 'all'] as const;
export type DuplicateCriteria = (typeof DUPLICATE_CRITERIA)[number];

export interface TrainingSetRequest {
  readonly objects: { readonly path: string; readonly fileName?: string; readonly ra: string; readonly dec: string };
  readonly redshifts: {
    readonly path: string;
    readonly fileName?: string;
    readonly columns: { readonly ra: string; readonly dec: string; readonly z: string; readonly id?: string; readonly z_err?: string; readonly z_flag?: string; readonly survey?: string };
  };
  readonly radiusArcsec: number;
  readonly nNeighbors: number;
  readonly duplicateCriteria: DuplicateCriteria;
  readonly outputPath: string;
  /**
   * Flux columns of the object catalog (nJy, as LSST releases give them) to convert to AB
   * magnitudes: `<column>_mag` = −2.5 log10(flux) + 31.4, and `<column>_magerr` = 2.5/ln 10 ×
   * err/flux from its `<column>Err` column when there is one. Non-positive fluxes give null.
   */
  readonly fluxColumns?: readonly string[];
  readonly onProgress?: (progress: { readonly stage: 'read' | 'crossmatch' | 'write'; readonly rowsRead: number; readonly pairsFound: number | null }) => void | Promise<void>;
}

export interface TrainingSetSummary {
  readonly objectRows: number;
  readonly redshiftRows: number;
  /** Object–reference pairs within the radius, before n_neighbors and duplicate_criteria. */
  readonly pairsInRadius: number;
  readonly rowsOut: number;
  readonly matchedRedshifts: number;
  readonly columns: readonly string[];
  readonly bytes: number;
}

/** AB magnitude of a flux in nanojansky: m = −2.5 log10(f / 3631 Jy) = −2.5 log10(f_nJy) + 31.4. */
const AB_ZERO_POINT_NJY = 31.4;

const invalid = (message: string, field: string) => pipelineFailure('COMBINE_REQUEST_INVALID', message, field);

/** The reference's columns in the output; an object column of the same name is written as `obj_<name>`. */
const REFERENCE_COLUMNS = ['ref_id', 'ref_ra', 'ref_dec', 'z', 'z_err', 'z_flag', 'survey', 'separation_arcsec'] as const;

interface Match {
  readonly reference: number;
  readonly object: number;
  readonly separation: number;
}

function choosePairs(matches: Match[], nNeighbors: number, criteria: DuplicateCriteria): Match[] {
  matches.sort((a, b) => a.reference - b.reference || a.separation - b.separation || a.object - b.object);
  const perReference: Match[] = [];
  let current = -1;
  let taken = 0;
  for (const match of matches) {
    if (match.reference !== current) {
      current = match.reference;
      taken = 0;
    }
    if (taken < (criteria === 'closest' ? 1 : nNeighbors)) {
      perReference.push(match);
      taken++;
    }
  }
  if (criteria === 'all') return perReference;
  const best = new Map<number, Match>();
  for (const match of perReference) {
    const held = best.get(match.object);
    if (!held || match.separation < held.separation) best.set(match.object, match);
  }
  return perReference.filter((match) => best.get(match.object) === match);
}

function outputColumn(name: string, values: ColumnValues, rows: readonly number[]): ColumnSource {
  let sample: unknown = null;
  for (let i = 0; i < values.length && (sample === null || sample === undefined); i++) sample = values[i];
  if (typeof sample === 'bigint') {
    const data = rows.map((row) => (values[row] === null || values[row] === undefined ? null : BigInt(values[row] as bigint)));
    return { name, data, type: 'INT64', nullable: data.includes(null) };
  }
  if (typeof sample === 'number' || typeof sample === 'boolean' || ArrayBuffer.isView(values)) {
    const numbers = toFloat64(values);
    const data = rows.map((row) => {
      const v = numbers[row] ?? Number.NaN;
      return Number.isNaN(v) ? null : v;
    });
    return { name, data, type: 'DOUBLE', nullable: data.includes(null) };
  }
  const texts = toTexts(values);
  const data = rows.map((row) => texts[row] ?? null);
  return { name, data, type: 'STRING', nullable: data.includes(null) };
}

export async function makeTrainingSet(request: TrainingSetRequest): Promise<Result<TrainingSetSummary, PipelineError>> {
  if (!(request.radiusArcsec > 0 && request.radiusArcsec <= 3600)) return invalid('the crossmatch radius must be in (0, 3600] arcsec', 'crossmatch.radius_arcsec');
  if (!(Number.isInteger(request.nNeighbors) && request.nNeighbors >= 1 && request.nNeighbors <= 1000)) return invalid('n_neighbors must be an integer from 1 to 1000', 'crossmatch.n_neighbors');
  if (!(DUPLICATE_CRITERIA as readonly string[]).includes(request.duplicateCriteria)) return invalid(`duplicate_criteria must be one of ${DUPLICATE_CRITERIA.join(', ')}`, 'duplicate_criteria');

  const objects = await readAllTableColumns(request.objects.path, request.objects.fileName);
  if (!objects.ok) return objects;
  const roles = request.redshifts.columns;
  const wanted = [roles.ra, roles.dec, roles.z, roles.id, roles.z_err, roles.z_flag, roles.survey].filter((c): c is string => c !== undefined);
  const redshifts = await readTableColumns(request.redshifts.path, wanted, request.redshifts.fileName);
  if (!redshifts.ok) return redshifts;
  for (const [role, column] of Object.entries(roles)) {
    if (column !== undefined && !redshifts.value.columns.has(column)) return pipelineFailure('INPUT_COLUMN_MISSING', `the redshift catalog has no column "${column}" (role ${role})`, `redshift.${role}`);
  }
  for (const column of [request.objects.ra, request.objects.dec]) {
    if (!objects.value.columns.has(column)) return pipelineFailure('INPUT_COLUMN_MISSING', `the object catalog has no column "${column}"`, 'objects');
  }
  const nObjects = objects.value.rowCount;
  const nRedshifts = redshifts.value.rowCount;
  await request.onProgress?.({ stage: 'read', rowsRead: nObjects + nRedshifts, pairsFound: null });

  // One sky index over both catalogs; only the pairs across them count.
  const objRa = toFloat64(objects.value.columns.get(request.objects.ra) ?? []);
  const objDec = toFloat64(objects.value.columns.get(request.objects.dec) ?? []);
  const refRa = toFloat64(redshifts.value.columns.get(roles.ra) ?? []);
  const refDec = toFloat64(redshifts.value.columns.get(roles.dec) ?? []);
  const ra = new Float64Array(nObjects + nRedshifts);
  const dec = new Float64Array(nObjects + nRedshifts);
  const include = new Uint8Array(nObjects + nRedshifts);
  ra.set(objRa, 0);
  ra.set(refRa, nObjects);
  dec.set(objDec, 0);
  dec.set(refDec, nObjects);
  for (let i = 0; i < ra.length; i++) include[i] = Number.isFinite(ra[i]) && Number.isFinite(dec[i]) ? 1 : 0;
  const matches: Match[] = [];
  findSkyPairs({ ra, dec, include }, request.radiusArcsec, (a, b) => {
    if ((a < nObjects) === (b < nObjects)) return;
    const object = a < nObjects ? a : b;
    const reference = (a < nObjects ? b : a) - nObjects;
    const separation = angularSeparation(objRa[object] ?? 0, objDec[object] ?? 0, refRa[reference] ?? 0, refDec[reference] ?? 0) * 3600;
    matches.push({ reference, object, separation });
  });
  const pairsInRadius = matches.length;
  await request.onProgress?.({ stage: 'crossmatch', rowsRead: nObjects + nRedshifts, pairsFound: pairsInRadius });

  const chosen = choosePairs(matches, request.nNeighbors, request.duplicateCriteria);
  const objectRows = chosen.map((m) => m.object);
  const referenceRows = chosen.map((m) => m.reference);
  const reserved = new Set<string>(REFERENCE_COLUMNS);
  const columnData: ColumnSource[] = objects.value.names.map((name) =>
    outputColumn(reserved.has(name) ? `obj_${name}` : name, objects.value.columns.get(name) ?? [], objectRows));
  const refValues = (column: string | undefined): ColumnValues => (column === undefined ? new Float64Array(nRedshifts).fill(Number.NaN) : (redshifts.value.columns.get(column) ?? []));
  for (const flux of request.fluxColumns ?? []) {
    const values = objects.value.columns.get(flux);
    if (!values) continue;
    const fluxes = toFloat64(values);
    const errors = objects.value.columns.get(`${flux}Err`);
    const fluxErrors = errors ? toFloat64(errors) : null;
    const mag = objectRows.map((row) => {
      const f = fluxes[row] ?? Number.NaN;
      return f > 0 ? -2.5 * Math.log10(f) + AB_ZERO_POINT_NJY : null;
    });
    columnData.push({ name: `${flux}_mag`, data: mag, type: 'DOUBLE', nullable: mag.includes(null) });
    if (fluxErrors) {
      const magErr = objectRows.map((row) => {
        const f = fluxes[row] ?? Number.NaN;
        const e = fluxErrors[row] ?? Number.NaN;
        return f > 0 && Number.isFinite(e) ? (2.5 / Math.LN10) * (e / f) : null;
      });
      columnData.push({ name: `${flux}_magerr`, data: magErr, type: 'DOUBLE', nullable: magErr.includes(null) });
    }
  }
  if (roles.id !== undefined) columnData.push(outputColumn('ref_id', toTexts(refValues(roles.id)), referenceRows));
  columnData.push(outputColumn('ref_ra', refRa, referenceRows), outputColumn('ref_dec', refDec, referenceRows));
  columnData.push(outputColumn('z', toFloat64(refValues(roles.z)), referenceRows));
  columnData.push(outputColumn('z_err', toFloat64(refValues(roles.z_err)), referenceRows));
  columnData.push(outputColumn('z_flag', toFloat64(refValues(roles.z_flag)), referenceRows));
  if (roles.survey !== undefined) columnData.push(outputColumn('survey', toTexts(refValues(roles.survey)), referenceRows));
  columnData.push({ name: 'separation_arcsec', data: Float64Array.from(chosen, (m) => m.separation), type: 'DOUBLE', nullable: false });

  try {
    parquetWriteFile({ filename: request.outputPath, columnData, rowGroupSize: 100_000 });
  } catch (cause) {
    return pipelineFailure('OUTPUT_UNWRITABLE', `cannot write ${request.outputPath}: ${describeCause(cause)}`);
  }
  const { size } = await stat(request.outputPath);
  await request.onProgress?.({ stage: 'write', rowsRead: nObjects + nRedshifts, pairsFound: pairsInRadius });
  return ok({
    objectRows: nObjects,
    redshiftRows: nRedshifts,
    pairsInRadius,
    rowsOut: chosen.length,
    matchedRedshifts: new Set(referenceRows).size,
    columns: columnData.map((c) => c.name),
    bytes: size,
  });
}
