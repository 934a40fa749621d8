import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { streamName, type EventData } from '@pz/contracts';
import { productDecider, runDecider, type Caller } from '@pz/domain';
import { parseTranslationRules } from '@pz/pipelines';
import type { Kysely } from 'kysely';
import type { CatalogueTables } from '@pz/projections';
import type { AuthenticatedCaller } from '../auth/authenticate';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps } from '../deps';
import type { Problem } from '../http/problem';
import { storableId } from '../http/storable-id';
import { findMainFile } from '../registry/main-file';
import { productRowsQuery, type ProductRow } from '../queries/product-rows';
import { visibleProductIds, visibleProductsWhere } from '../visibility/product-visibility';
import { combineParams, isParamProblem, mergeParams, trainingSetParams, type PipelineDefinition } from './definitions';

/** What a client sent to start a run, read from JSON or multipart alike. */
export interface RunSubmission {
  readonly displayName: string;
  readonly pipeline: PipelineDefinition;
  readonly params: Record<string, unknown>;
  readonly inputs: readonly number[];
  readonly release: number | string | null;
  readonly comment: string | null;
  /** A flag translation file attached to the request. */
  readonly flagsTranslation: { readonly name: string; readonly content: Buffer } | null;
}

type RunInput = EventData<'PipelineRunRequested'>['inputDetails'][number];

/** Column roles by the alias names of the pzserver contract (product_contents.alias) → the pipelines' role names. */
const ROLE_OF_ALIAS: Readonly<Record<string, string>> = { ID: 'id', RA: 'ra', Dec: 'dec', z: 'z', z_err: 'z_err', z_flag: 'z_flag', survey: 'survey' };

const invalid = (message: string, field: string): Problem => ({ code: 'VALIDATION_FAILED', message, field });

async function columnRoles(db: Kysely<CatalogueTables>, productId: number): Promise<Record<string, string>> {
  const rows = await db.selectFrom('product_contents').select(['column_name', 'alias']).where('product_id', '=', productId).where('alias', 'is not', null).execute();
  const roles: Record<string, string> = {};
  for (const row of rows) {
    const role = row.alias === null ? undefined : ROLE_OF_ALIAS[row.alias];
    if (role) roles[role] = row.column_name;
  }
  return roles;
}

/** An input as the run will read it: published, of an accepted type, with a main file and RA/Dec (and z when needed) mapped. */
async function describeInput(deps: AppDeps, row: ProductRow, needed: readonly string[]): Promise<RunInput | Problem> {
  const name = `product ${row.id} (${row.internal_name})`;
  if (row.status !== 1) return invalid(`${name} is not published (status ${row.status}); a run reads only published products`, 'inputs');
  const file = await findMainFile(deps.catalogue, row.id);
  if (!file || !file.stored) return invalid(`${name} has no stored main file`, 'inputs');
  const columns = await columnRoles(deps.catalogue, row.id);
  const missing = needed.filter((role) => columns[role] === undefined);
  if (missing.length > 0) return invalid(`${name} has no column associated with ${missing.join(', ')}`, 'inputs');
  return { productId: row.id, internalName: row.internal_name, productTypeName: row.product_type_name, fileId: file.id, sha256: file.sha256, columns };
}

async function resolveRelease(db: Kysely<CatalogueTables>, value: number | string | null): Promise<{ name: string } | null> {
  if (value === null || value === '') return null;
  const q = db.selectFrom('releases').select('name');
  const byId = typeof value === 'number' || /^\d+$/.test(value);
  if (byId && !storableId(Number(value))) return null;
  return (await (byId ? q.where('id', '=', Number(value)) : q.where('name', '=', value)).executeTakeFirst()) ?? null;
}

/** The release's object catalog the caller may see: the official one if any, else the newest published. */
async function objectCatalogOf(deps: AppDeps, caller: AuthenticatedCaller, releaseName: string): Promise<ProductRow | undefined> {
  return productRowsQuery(deps.catalogue)
    .where('products.product_type_name', '=', 'object_catalog')
    .where('products.release_name', '=', releaseName)
    .where('products.status', '=', 1)
    .where(visibleProductsWhere(caller))
    .orderBy('products.official_product', 'desc')
    .orderBy('products.id', 'desc')
    .executeTakeFirst();
}

export interface RequestedRun {
  readonly processId: number;
  readonly outputProductId: number;
}

/**
 * Checks a submission against the pipeline and what the caller may see, then records it: the
 * output product (status 3, derived from the inputs, the flag translation attached), the run's
 * `PipelineRunRequested`, and the queued job.
 */
export async function requestRun(deps: AppDeps, caller: AuthenticatedCaller, submission: RunSubmission, context: CommandContext, enqueue: (processId: number) => Promise<void>): Promise<RequestedRun | Problem> {
  const { pipeline } = submission;
  const usedParams = mergeParams(pipeline, submission.params);
  const checked = pipeline.name === 'combine_redshift_dedup' ? combineParams(usedParams) : trainingSetParams(usedParams);
  if (isParamProblem(checked)) return invalid(checked.message, `used_config.param.${checked.field}`);
  if (submission.displayName.trim() === '') return invalid('display_name is required', 'display_name');

  const ids = [...new Set(submission.inputs)];
  if (ids.length < pipeline.minInputs || ids.length > pipeline.maxInputs) {
    const wanted = pipeline.minInputs === pipeline.maxInputs ? `${pipeline.minInputs}` : `${pipeline.minInputs} to ${pipeline.maxInputs}`;
    return invalid(`${pipeline.displayName} takes ${wanted} different input products, not ${ids.length}`, 'inputs');
  }
  // Every product the run reads must be one the caller may see: the one visibility rule decides.
  const visible = await visibleProductIds(deps.catalogue, caller, ids.filter(storableId));
  const unseen = ids.filter((id) => !visible.has(id));
  if (unseen.length > 0) return { code: 'NOT_FOUND', message: `product ${unseen.join(', ')} not found`, field: 'inputs' };
  const rows = await productRowsQuery(deps.catalogue).where('products.id', 'in', ids).execute();
  const inputDetails: RunInput[] = [];
  for (const id of ids) {
    const row = rows.find((r) => r.id === id);
    if (!row || row.status === 2) return { code: 'NOT_FOUND', message: `product ${id} not found`, field: 'inputs' };
    if (!(pipeline.accepts as readonly string[]).includes(row.product_type_name)) return invalid(`product ${id} is a ${row.product_type_name}; ${pipeline.displayName} takes ${pipeline.accepts.join(', ')}`, 'inputs');
    const described = await describeInput(deps, row, ['ra', 'dec', 'z']);
    if ('code' in described) return described;
    inputDetails.push(described);
  }

  let releaseName: string | null = null;
  if (pipeline.needsRelease) {
    const release = await resolveRelease(deps.catalogue, submission.release);
    if (!release) return invalid(submission.release === null ? 'release is required for the Training Set Maker' : `release "${submission.release}" does not exist`, 'release');
    releaseName = release.name;
    const objects = await objectCatalogOf(deps, caller, release.name);
    if (!objects) return invalid(`release ${release.name} has no published object catalog you may read`, 'release');
    const described = await describeInput(deps, objects, ['ra', 'dec']);
    if ('code' in described) return described;
    inputDetails.push(described);
  }

  // The flag translation: the attached file, else the server's default rules.
  let flags: { name: string; content: Buffer } | null = null;
  if (pipeline.name === 'combine_redshift_dedup') {
    if (submission.flagsTranslation) flags = submission.flagsTranslation;
    else {
      const content = await readFile(deps.config.pipelineFlagsTranslation).catch(() => null);
      if (!content) return { code: 'VALIDATION_FAILED', field: 'flags_translation_file', message: `this server has no default flag translation rules (PIPELINE_FLAGS_TRANSLATION: ${path.basename(deps.config.pipelineFlagsTranslation)} cannot be read); attach a flags_translation_file to the run` };
      flags = { name: path.basename(deps.config.pipelineFlagsTranslation), content };
    }
    const parsed = parseTranslationRules(flags.content.toString('utf8'));
    if (!parsed.ok) return invalid(`the flag translation file cannot be used: ${parsed.error.message}`, 'flags_translation_file');
  }

  const [processId] = await deps.allocateIds('process', 1, context.idempotencyKey);
  const [outputProductId] = await deps.allocateIds('product', 1, context.idempotencyKey);
  if (processId === undefined || outputProductId === undefined) throw new Error('no ids allocated');
  const owner: Caller = { userId: caller.userId, isAdmin: caller.isAdmin };
  const productStream = streamName('product', outputProductId);
  const registered = await deps.bus.execute(productDecider, productStream, {
    type: 'RegisterProduct',
    caller: owner,
    releaseExists: true,
    data: {
      productId: outputProductId,
      displayName: submission.displayName.trim(),
      productTypeName: pipeline.output,
      releaseName,
      officialProduct: false,
      pzCode: null,
      description: submission.comment,
      derivedFrom: inputDetails.map((i) => i.productId),
      origin: pipeline.name,
      processId: String(processId),
      initialStatus: 3,
    },
  }, { ...context, commandId: `${context.commandId}:output` });
  if (!registered.ok && !(registered.error.code === 'ALREADY_EXISTS' && context.idempotencyKey)) return registered.error;

  let flagsTranslation: EventData<'PipelineRunRequested'>['flagsTranslation'] = null;
  if (flags) {
    const written = await deps.blobs.write(Readable.from([flags.content]));
    if (!written.ok) throw new Error(`the flag translation file could not be stored: ${written.error.message}`);
    const [fileId] = await deps.allocateIds('file', 1, context.idempotencyKey);
    if (fileId === undefined) throw new Error('no file id allocated');
    const attached = await deps.bus.execute(productDecider, productStream, {
      type: 'AttachProductFile',
      caller: owner,
      file: { fileId, role: 2, name: flags.name, mimeType: 'application/yaml', extension: path.extname(flags.name), size: written.value.size, sha256: written.value.sha256, crc32: written.value.crc32, stored: true },
    }, { ...context, commandId: `${context.commandId}:flags` });
    if (!attached.ok && !context.idempotencyKey) return attached.error;
    flagsTranslation = { name: flags.name, sha256: written.value.sha256, fileId, attached: submission.flagsTranslation !== null };
  }

  const requested = await deps.bus.execute(runDecider, streamName('run', processId), {
    type: 'RequestRun',
    data: {
      runId: randomUUID(),
      processId,
      pipeline: pipeline.name,
      pipelineVersion: pipeline.version,
      displayName: submission.displayName.trim(),
      usedConfig: { param: usedParams },
      inputs: inputDetails.map((i) => i.productId),
      inputDetails,
      releaseName,
      outputProductId,
      ownerId: caller.userId,
      flagsTranslation,
    },
  }, { ...context, commandId: `${context.commandId}:run` });
  if (!requested.ok && !(requested.error.code === 'ALREADY_EXISTS' && context.idempotencyKey)) return requested.error;
  await enqueue(processId);
  return { processId, outputProductId };
}
