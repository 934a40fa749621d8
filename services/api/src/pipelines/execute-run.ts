import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { streamName, type EventData } from '@pz/contracts';
import { productDecider, runDecider, type Caller, type ProductCommand, type RunCommand, type RunState } from '@pz/domain';
import { combineCatalogs, makeTrainingSet, parseTranslationRules, writeOutputFile, type CombineMode } from '@pz/pipelines';
import { systemContext, type CommandContext } from '../commands/command-context';
import type { AppDeps } from '../deps';
import { findMainFile } from '../registry/main-file';
import { runRegistry } from '../registry/registry-run';
import { combineParams, isParamProblem, pipelineByName, trainingSetParams, type OutputFormat } from './definitions';

type Request = EventData<'PipelineRunRequested'>;
type RunInput = Request['inputDetails'][number];

/** A run's verdict: what to record, and whether the job may be tried again (a fault of ours, not of the inputs). */
export type RunVerdict =
  | { readonly kind: 'succeeded' }
  | { readonly kind: 'failed'; readonly code: string; readonly reason: string }
  | { readonly kind: 'skipped'; readonly why: string };

export interface RunProgress {
  readonly stage: string;
  readonly rowsRead: number;
  readonly pairsFound: number | null;
  readonly fraction: number;
}

export interface ExecuteOptions {
  readonly worker: string;
  readonly attempt: number;
  /** Renews the job's lease and stores the numbers (the job row). */
  readonly heartbeat: (progress: RunProgress) => void;
}

const MODE_OF: Readonly<Record<string, CombineMode>> = {
  concatenate: 'concatenate',
  concatenate_and_mark_duplicates: 'concatenate_and_mark_duplicates',
  concatenate_and_remove_duplicates: 'deduplicate',
};
const FRACTION_AFTER: Readonly<Record<string, number>> = { read: 0.3, crossmatch: 0.7, write: 0.85 };

/** Output columns → the pzserver contract's roles (alias, ucd), per pipeline. */
const OUTPUT_ROLES: Readonly<Record<string, Readonly<Record<string, { alias: string; ucd: string }>>>> = {
  combine_redshift_dedup: {
    id: { alias: 'ID', ucd: 'meta.id;meta.main' },
    ra: { alias: 'RA', ucd: 'pos.eq.ra;meta.main' },
    dec: { alias: 'Dec', ucd: 'pos.eq.dec;meta.main' },
    z: { alias: 'z', ucd: 'src.redshift' },
    z_err: { alias: 'z_err', ucd: 'stat.error;src.redshift' },
    z_flag: { alias: 'z_flag', ucd: 'stat.rank' },
    survey: { alias: 'survey', ucd: 'meta.curation' },
  },
  training_set_maker: {
    z: { alias: 'z', ucd: 'src.redshift' },
    z_err: { alias: 'z_err', ucd: 'stat.error;src.redshift' },
    z_flag: { alias: 'z_flag', ucd: 'stat.rank' },
  },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function localInput(deps: AppDeps, input: RunInput): Promise<string> {
  const located = await deps.blobs.localPath(input.sha256);
  if (!located.ok) throw new Error(`the main file of ${input.internalName} cannot be read from storage: ${located.error.message}`);
  return located.value;
}

export async function loadRun(deps: AppDeps, processId: number): Promise<RunState> {
  return (await deps.bus.load(runDecider, streamName('run', processId))).state;
}

/** Records a command on the run's stream; a refusal is an error of ours (the decider accepts every late report). */
async function onRun(deps: AppDeps, processId: number, command: RunCommand, context: CommandContext): Promise<void> {
  const result = await deps.bus.execute(runDecider, streamName('run', processId), command, context);
  if (!result.ok) throw new Error(`process ${processId}: ${result.error.message}`);
}

async function onProduct(deps: AppDeps, productId: number, commands: ProductCommand[], context: CommandContext): Promise<void> {
  const result = await deps.bus.executeAll(productDecider, streamName('product', productId), commands, context);
  if (!result.ok) throw new Error(`product ${productId}: ${result.error.message}`);
}

/** Records the end of a run that did not succeed: the run failed, its output product failed (status 9). */
export async function recordFailure(deps: AppDeps, processId: number, code: string, reason: string): Promise<void> {
  const state = await loadRun(deps, processId);
  const request = state.request;
  if (!request) return;
  const context = systemContext(randomUUID());
  await onRun(deps, processId, { type: 'FailRun', code, reason }, context);
  const owner: Caller = { userId: request.ownerId, isAdmin: false };
  await onProduct(deps, request.outputProductId, [{ type: 'FailProcessing', caller: owner, reason }], context);
}

/**
 * Runs one attempt of a requested run: records it started, computes the output into a temporary
 * file (progress recorded per stage), stores it as the output product's main file, registers its
 * columns, maps their roles, publishes the product and records the run succeeded. A run stopped
 * meanwhile is left as it is; a failure of the inputs is recorded as the run's failure.
 */
export async function executeRun(deps: AppDeps, processId: number, options: ExecuteOptions): Promise<RunVerdict> {
  const state = await loadRun(deps, processId);
  const request = state.request;
  if (!request) return { kind: 'skipped', why: `process ${processId} was never requested` };
  if (state.status !== 'Pending' && state.status !== 'Running') return { kind: 'skipped', why: `process ${processId} has ended (${state.status})` };
  const pipeline = pipelineByName(request.pipeline);
  if (!pipeline) return { kind: 'failed', code: 'PIPELINE_UNKNOWN', reason: `this server has no pipeline ${request.pipeline}` };
  // Every event of the run shares its correlation id (the run id).
  const context = (step: string): CommandContext => ({ ...systemContext(`run-${request.runId}-${options.attempt}-${step}`), correlationId: request.runId });
  await onRun(deps, processId, { type: 'StartRun', worker: options.worker, attempt: options.attempt }, context('start'));
  if (deps.config.pipelineStartDelayMs > 0) await sleep(deps.config.pipelineStartDelayMs);

  const workDir = path.join(deps.config.dataDir, 'pipeline-runs', `${processId}-${options.attempt}-${randomUUID()}`);
  await mkdir(workDir, { recursive: true });
  const baseName = request.displayName.replace(/[^\p{L}\p{N}_-]+/gu, '_').slice(0, 100) || 'output';
  const outputPath = path.join(workDir, `${baseName}.parquet`);
  let reported = 0;
  // Recorded as each stage ends (the pipeline awaits it), so GET /api/processes/<id>/ shows it live.
  const progress = async (stage: string, rowsRead: number, pairsFound: number | null) => {
    const p = { stage, rowsRead, pairsFound, fraction: FRACTION_AFTER[stage] ?? 0 };
    options.heartbeat(p);
    await onRun(deps, processId, { type: 'ReportRunProgress', progress: { ...p, message: describeProgress(p) } }, context(`progress-${(reported += 1)}`));
  };
  try {
    const params = request.usedConfig.param as Record<string, unknown>;
    let summary: Record<string, unknown>;
    let rows: number;
    let format: OutputFormat = 'parquet';
    let fluxUnits: readonly string[] = [];
    if (pipeline.name === 'combine_redshift_dedup') {
      const checked = combineParams(params);
      if (isParamProblem(checked)) return { kind: 'failed', code: 'CONFIG_INVALID', reason: checked.message };
      const flags = request.flagsTranslation;
      if (!flags) return { kind: 'failed', code: 'CONFIG_INVALID', reason: 'no flag translation was recorded for this run' };
      const located = await deps.blobs.localPath(flags.sha256);
      if (!located.ok) throw new Error(`the flag translation cannot be read from storage: ${located.error.message}`);
      const rules = parseTranslationRules(await readFile(located.value, 'utf8'));
      if (!rules.ok) return { kind: 'failed', code: rules.error.code, reason: rules.error.message };
      const inputs = [];
      for (const input of request.inputDetails) {
        const c = input.columns;
        inputs.push({
          path: await localInput(deps, input),
          fileName: `${input.internalName}${input.sha256.slice(0, 8)}`,
          source: input.internalName,
          columns: { ra: c.ra ?? '', dec: c.dec ?? '', z: c.z ?? '', ...(c.id ? { id: c.id } : {}), ...(c.z_flag ? { z_flag: c.z_flag } : {}), ...(c.z_err ? { z_err: c.z_err } : {}), ...(c.survey ? { survey: c.survey } : {}) },
        });
      }
      // The file name decides the reader: give each input its format's extension.
      for (const [i, input] of inputs.entries()) inputs[i] = { ...input, fileName: await formatName(input.path, input.fileName) };
      const result = await combineCatalogs({
        inputs,
        mode: MODE_OF[checked.combineType] ?? 'concatenate',
        rules: rules.value,
        outputPath,
        crossmatchRadiusArcsec: checked.radiusArcsec,
        zFlagHomogenizedCut: checked.zFlagCut,
        onProgress: (p) => progress(p.stage, p.rowsRead, p.pairsFound),
      });
      if (!result.ok) return { kind: 'failed', code: result.error.code, reason: result.error.message };
      format = checked.outputFormat;
      const { output, ...rest } = result.value;
      summary = { ...rest, output: { rows: output.rows, bytes: output.bytes, columns: output.columns } };
      rows = output.rows;
    } else {
      const checked = trainingSetParams(params);
      if (isParamProblem(checked)) return { kind: 'failed', code: 'CONFIG_INVALID', reason: checked.message };
      const redshift = request.inputDetails.find((i) => i.productTypeName === 'redshift_catalog');
      const objects = request.inputDetails.find((i) => i.productTypeName === 'object_catalog');
      if (!redshift || !objects) return { kind: 'failed', code: 'CONFIG_INVALID', reason: 'a training set needs a redshift catalog and an object catalog' };
      const objectsPath = await localInput(deps, objects);
      const redshiftPath = await localInput(deps, redshift);
      const rc = redshift.columns;
      // A release whose object catalogs hold fluxes (nJy) names them: they are converted to AB magnitudes.
      const release = request.releaseName ? await deps.catalogue.selectFrom('releases').select('fluxes').where('name', '=', request.releaseName).executeTakeFirst() : undefined;
      const fluxColumns = Array.isArray(release?.fluxes) ? release.fluxes.filter((f): f is string => typeof f === 'string') : [];
      const result = await makeTrainingSet({
        fluxColumns,
        objects: { path: objectsPath, fileName: await formatName(objectsPath, objects.internalName), ra: objects.columns.ra ?? '', dec: objects.columns.dec ?? '' },
        redshifts: {
          path: redshiftPath,
          fileName: await formatName(redshiftPath, redshift.internalName),
          columns: { ra: rc.ra ?? '', dec: rc.dec ?? '', z: rc.z ?? '', ...(rc.id ? { id: rc.id } : {}), ...(rc.z_err ? { z_err: rc.z_err } : {}), ...(rc.z_flag ? { z_flag: rc.z_flag } : {}), ...(rc.survey ? { survey: rc.survey } : {}) },
        },
        radiusArcsec: checked.radiusArcsec,
        nNeighbors: checked.nNeighbors,
        duplicateCriteria: checked.duplicateCriteria,
        outputPath,
        onProgress: (p) => progress(p.stage, p.rowsRead, p.pairsFound),
      });
      if (!result.ok) return { kind: 'failed', code: result.error.code, reason: result.error.message };
      summary = { ...result.value };
      rows = result.value.rowsOut;
      fluxUnits = fluxColumns;
      format = checked.outputFormat;
    }
    const file = await writeOutputFile(format, outputPath, workDir, baseName, outputUnits(request, fluxUnits));
    if (!file.ok) return { kind: 'failed', code: file.error.code, reason: file.error.message };
    // Stopped while it computed: nothing is stored or published.
    const now = await loadRun(deps, processId);
    if (now.status !== 'Running') return { kind: 'skipped', why: `process ${processId} was ${now.status.toLowerCase()} while it ran` };

    const written = await deps.blobs.write(createReadStream(file.value.path));
    if (!written.ok) throw new Error(`the output could not be stored: ${written.error.message}`);
    const owner: Caller = { userId: request.ownerId, isAdmin: false };
    const productId = request.outputProductId;
    const existing = await findMainFile(deps.catalogue, productId);
    let fileId = existing?.sha256 === written.value.sha256 ? existing.id : undefined;
    if (fileId === undefined) {
      // A retry after a crash may find the earlier attempt's main file: replaced by this one.
      if (existing) await onProduct(deps, productId, [{ type: 'RemoveProductFile', caller: owner, fileId: existing.id }], context('remove-stale-output'));
      const [allocated] = await deps.allocateIds('file');
      if (allocated === undefined) throw new Error('no file id allocated');
      fileId = allocated;
      await onProduct(deps, productId, [{
        type: 'AttachProductFile',
        caller: owner,
        file: { fileId, role: 0, name: file.value.name, mimeType: file.value.mimeType, extension: file.value.extension, size: written.value.size, sha256: written.value.sha256, crc32: written.value.crc32, stored: true },
      }], context('attach-output'));
    }
    const mainFile = await findMainFile(deps.catalogue, productId);
    if (!mainFile) throw new Error('the output file is not in the catalogue');
    const registry = await runRegistry(deps, { id: productId, productTypeName: pipeline.output }, mainFile, owner, context('registry'));
    if ('registryProblem' in registry) throw new Error(registry.registryProblem.message);
    if ('commandProblem' in registry) throw new Error(registry.commandProblem.message);
    if (registry.recorded.kind === 'failed') return { kind: 'failed', code: registry.recorded.code, reason: `the output could not be registered: ${registry.recorded.reason}` };
    const names = new Set(registry.recorded.contents.columns.map((c) => c.name));
    const roles = Object.entries(OUTPUT_ROLES[pipeline.name] ?? {}).filter(([column]) => names.has(column));
    // The training set's position is the object's: its own RA/Dec columns.
    if (pipeline.name === 'training_set_maker') {
      const objects = request.inputDetails.find((i) => i.productTypeName === 'object_catalog');
      if (objects?.columns.ra && names.has(objects.columns.ra)) roles.push([objects.columns.ra, { alias: 'RA', ucd: 'pos.eq.ra;meta.main' }]);
      if (objects?.columns.dec && names.has(objects.columns.dec)) roles.push([objects.columns.dec, { alias: 'Dec', ucd: 'pos.eq.dec;meta.main' }]);
    }
    await onProduct(deps, productId, [
      ...roles.map(([columnName, role]): ProductCommand => ({ type: 'AssociateColumn', caller: owner, columnName, ucd: role.ucd, alias: role.alias })),
      { type: 'PublishProduct', caller: owner },
    ], context('publish'));
    await onRun(deps, processId, {
      type: 'SucceedRun',
      result: { generatedProductId: productId, output: { fileId, name: file.value.name, sha256: written.value.sha256, rows, format }, summary },
    }, context('succeeded'));
    return { kind: 'succeeded' };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** The units of the output columns that have one, for the formats that carry them (FITS, HDF5). */
function outputUnits(request: Request, fluxColumns: readonly string[]): Map<string, string> {
  if (request.pipeline === 'combine_redshift_dedup') return new Map([['ra', 'deg'], ['dec', 'deg']]);
  const units = new Map([['ref_ra', 'deg'], ['ref_dec', 'deg'], ['separation_arcsec', 'arcsec']]);
  const objects = request.inputDetails.find((i) => i.productTypeName === 'object_catalog');
  for (const column of [objects?.columns.ra, objects?.columns.dec]) if (column) units.set(column, 'deg');
  for (const flux of fluxColumns) units.set(`${flux}_mag`, 'mag').set(`${flux}_magerr`, 'mag');
  return units;
}

/** The readers choose by extension; a stored blob has none, so one is given from its first bytes. */
async function formatName(filePath: string, base: string): Promise<string> {
  const handle = await import('node:fs/promises').then((fs) => fs.open(filePath, 'r'));
  try {
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    return head.toString('latin1') === 'PAR1' ? `${base}.parquet` : `${base}.csv`;
  } finally {
    await handle.close();
  }
}

function describeProgress(p: RunProgress): string {
  if (p.stage === 'read') return `read ${p.rowsRead} rows`;
  if (p.stage === 'crossmatch') return p.pairsFound === null ? `read ${p.rowsRead} rows; no crossmatch` : `crossmatched ${p.rowsRead} rows: ${p.pairsFound} pairs found`;
  return 'output written';
}
