import { ok, type Result } from '@pz/contracts';
import { writeCombinedParquet } from '../catalog-io/write-combined-parquet';
import { resolveDuplicates, type DuplicateResolution } from '../duplicates/resolve-duplicates';
import type { PipelineError } from '../errors';
import { validateCombineRequest, type CombineRequest } from './combine-request';
import type { CombineSummary, DuplicateSummary, InputSummary } from './combine-summary';
import { prepareInput, type PreparedInput } from './prepare-input';
import { selectOutputRows } from './select-output-rows';
import { stackCatalogs } from './stack-catalogs';

const secondsSince = (started: number): number => (performance.now() - started) / 1000;

function summarizeInput(input: PreparedInput): InputSummary {
  return {
    source: input.source,
    rows: input.columns.rowCount,
    surveys: Object.fromEntries(input.surveys),
    unknownSurveys: Object.fromEntries(input.unknownSurveys),
    missingRuleColumns: input.missingRuleColumns,
  };
}

/**
 * Combine Redshift Catalogs: reads each input through its column association, homogenises its
 * flags by the survey rules, stacks the inputs, and (unless concatenating) crossmatches every row
 * against every other and resolves duplicates; then writes one Parquet file.
 */
export async function combineCatalogs(request: CombineRequest): Promise<Result<CombineSummary, PipelineError>> {
  const valid = validateCombineRequest(request);
  if (!valid.ok) return valid;
  const rules = request.crossmatchRadiusArcsec === undefined ? request.rules : { ...request.rules, crossmatchRadiusArcsec: request.crossmatchRadiusArcsec };

  let started = performance.now();
  const prepared: PreparedInput[] = [];
  for (const [index, input] of request.inputs.entries()) {
    const result = await prepareInput(input, index, rules);
    if (!result.ok) return result;
    prepared.push(result.value);
  }
  const catalog = stackCatalogs(prepared);
  await request.onProgress?.({ stage: 'read', rowsRead: catalog.rowCount, pairsFound: null });
  const inputs = prepared.map(summarizeInput);
  // The stacked copy is all that is needed from here: let the per-input columns be collected.
  prepared.length = 0;
  const prepareSeconds = secondsSince(started);

  started = performance.now();
  const resolution: DuplicateResolution | null = request.mode === 'concatenate' ? null : resolveDuplicates(catalog, rules);
  const duplicatesSeconds = secondsSince(started);
  await request.onProgress?.({ stage: 'crossmatch', rowsRead: catalog.rowCount, pairsFound: resolution?.pairs ?? null });

  started = performance.now();
  const cut = request.zFlagHomogenizedCut;
  const rows = selectOutputRows(request.mode, catalog.rowCount, resolution?.tieResult ?? null, cut === undefined || cut === null ? null : { flags: catalog.zFlagHomogenized, min: cut });
  const written = await writeCombinedParquet(request.outputPath, catalog, rows, resolution?.tieResult ?? null);
  if (!written.ok) return written;
  await request.onProgress?.({ stage: 'write', rowsRead: catalog.rowCount, pairsFound: resolution?.pairs ?? null });

  return ok({
    mode: request.mode,
    rowsIn: catalog.rowCount,
    rowsOut: rows.length,
    inputs,
    duplicates: resolution && duplicateSummary(resolution, rules.crossmatchRadiusArcsec),
    output: written.value,
    seconds: { prepare: prepareSeconds, duplicates: duplicatesSeconds, write: secondsSince(started) },
  });
}

function duplicateSummary({ tieResult: _perRow, ...counts }: DuplicateResolution, crossmatchRadiusArcsec: number): DuplicateSummary {
  return { crossmatchRadiusArcsec, ...counts };
}
