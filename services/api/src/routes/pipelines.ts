import { readFile } from 'node:fs/promises';
import type { MultipartFile } from '@fastify/multipart';
import { Type } from 'typebox';
import { streamName, type RecordedEvent } from '@pz/contracts';
import { runDecider } from '@pz/domain';
import type { FastifyRequest } from 'fastify';
import { CSRF_FAILED, commandContext, domainCaller, echoesCsrfToken, requireUser, type AuthenticatedCaller } from '../auth/authenticate';
import type { PzApp } from '../http/app-types';
import { isProblem, PaginationQuery, readPage } from '../http/pagination';
import { sendProblem, type Problem } from '../http/problem';
import { pipelineById, pipelineByName, pipelineJson, PIPELINES, type PipelineDefinition } from '../pipelines/definitions';
import { processJson, runRecord } from '../pipelines/process-json';
import { requestRun, type RunSubmission } from '../pipelines/request-run';
import { recordFailure } from '../pipelines/execute-run';
import { startPipelineJobs } from '../pipelines/run-jobs';
import { listProcessIds, PROCESS_STATUSES } from '../queries/process-list';
import { canSeeProduct } from '../visibility/product-visibility';
import { visibleProduct } from './product-lookup';
import { Detail } from './schemas';

const IdParams = Type.Object({ id: Type.String({ pattern: '^\\d{1,9}$' }) });
const NameQuery = Type.Object({ name: Type.Optional(Type.String({ maxLength: 255 })) });
const FLAGS_FILE_FIELD = 'flags_translation_file';
const MAX_FLAGS_BYTES = 1024 * 1024;
/** Pipeline, process and process_config answers (their fields: docs/pipelines.md). */
const AnyObject = Type.Record(Type.String(), Type.Unknown());
const PipelineList = Type.Object({ count: Type.Integer(), next: Type.Null(), previous: Type.Null(), results: Type.Array(AnyObject) });

type Fields = Record<string, unknown[]>;

/** The fields of a JSON body or of a multipart form (a repeated field is a list), and the attached flag translation. */
async function readSubmissionFields(request: FastifyRequest): Promise<{ fields: Fields; flags: { name: string; content: Buffer } | null } | Problem> {
  const fields: Fields = {};
  if (!request.isMultipart()) {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return { code: 'VALIDATION_FAILED', message: 'send a JSON object (or multipart/form-data with a flag translation file)' };
    for (const [key, value] of Object.entries(body)) fields[key] = Array.isArray(value) && key === 'inputs' ? value : [value];
    return { fields, flags: null };
  }
  let flags: { name: string; content: Buffer } | null = null;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        (fields[part.fieldname] ??= []).push(part.value);
        continue;
      }
      const file = part as MultipartFile;
      const content = await file.toBuffer();
      if (file.fieldname !== FLAGS_FILE_FIELD) return { code: 'VALIDATION_FAILED', message: `unexpected file field "${file.fieldname}": only ${FLAGS_FILE_FIELD} is taken`, field: file.fieldname };
      if (content.length > MAX_FLAGS_BYTES) return { code: 'PAYLOAD_TOO_LARGE', message: `${FLAGS_FILE_FIELD} is larger than 1 MiB` };
      flags = { name: (file.filename || 'flags_translation.yaml').replace(/[^\w.-]/g, '_').slice(0, 200), content };
    }
  } catch (error) {
    return { code: 'VALIDATION_FAILED', message: `the form could not be read: ${error instanceof Error ? error.message : String(error)}` };
  }
  return { fields, flags };
}

const one = (fields: Fields, name: string): unknown => fields[name]?.[0];

function toSubmission(fields: Fields, flags: { name: string; content: Buffer } | null): RunSubmission | Problem {
  const pipelineValue = one(fields, 'pipeline');
  const pipeline: PipelineDefinition | undefined =
    typeof pipelineValue === 'number' || (typeof pipelineValue === 'string' && /^\d+$/.test(pipelineValue)) ? pipelineById(Number(pipelineValue))
    : typeof pipelineValue === 'string' ? pipelineByName(pipelineValue) : undefined;
  if (!pipeline) return { code: 'VALIDATION_FAILED', message: `pipeline must name one of ${PIPELINES.map((p) => `${p.id} (${p.name})`).join(', ')}`, field: 'pipeline' };
  const displayName = one(fields, 'display_name');
  if (typeof displayName !== 'string' || displayName.length > 255) return { code: 'VALIDATION_FAILED', message: 'display_name must be a text of at most 255 characters', field: 'display_name' };
  let config = one(fields, 'used_config') ?? {};
  if (typeof config === 'string') {
    try {
      config = config.trim() === '' ? {} : (JSON.parse(config) as object);
    } catch {
      return { code: 'VALIDATION_FAILED', message: 'used_config must be JSON ({"param": {...}})', field: 'used_config' };
    }
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return { code: 'VALIDATION_FAILED', message: 'used_config must be an object ({"param": {...}})', field: 'used_config' };
  const param = 'param' in config ? (config as { param: unknown }).param : config;
  if (typeof param !== 'object' || param === null || Array.isArray(param)) return { code: 'VALIDATION_FAILED', message: 'used_config.param must be an object', field: 'used_config' };
  const inputs: number[] = [];
  for (const value of fields.inputs ?? []) {
    for (const item of typeof value === 'string' ? value.split(',') : [value]) {
      const n = typeof item === 'number' ? item : typeof item === 'string' && /^\s*\d{1,9}\s*$/.test(item) ? Number(item) : Number.NaN;
      if (!Number.isSafeInteger(n)) return { code: 'VALIDATION_FAILED', message: 'inputs must be product ids', field: 'inputs' };
      inputs.push(n);
    }
  }
  const release = one(fields, 'release');
  const comment = one(fields, 'comment');
  return {
    displayName,
    pipeline,
    params: param as Record<string, unknown>,
    inputs,
    release: typeof release === 'number' || typeof release === 'string' ? release : null,
    comment: typeof comment === 'string' && comment !== '' ? comment.slice(0, 10_000) : null,
    flagsTranslation: flags,
  };
}

/**
 * Pipelines and their runs: `/api/pipelines/` (what can be run, with each parameter's default),
 * `/api/processes/` (start a run, follow it, stop it), and the config an output was made with.
 * A process is shown to whoever may see its output product (the one visibility rule), stopped
 * only by its owner or an admin.
 */
export async function pipelineRoutes(app: PzApp): Promise<void> {
  const { deps } = app;
  const db = deps.catalogue;
  const jobs = await startPipelineJobs(deps, app.log);
  app.addHook('onClose', () => jobs.stop());

  /** A process's answer for the caller, from its run's events and job (no visibility check); null if it was never requested. */
  const shownProcess = async (caller: AuthenticatedCaller, processId: number, recorded: readonly RecordedEvent[]) => {
    const record = runRecord(recorded);
    const request = record.state.request;
    if (!request) return null;
    const [owner, release, job] = await Promise.all([
      db.selectFrom('users').select('username').where('id', '=', request.ownerId).executeTakeFirst(),
      request.releaseName ? db.selectFrom('releases').select('id').where('name', '=', request.releaseName).executeTakeFirst() : undefined,
      jobs.latest(processId),
    ]);
    return { processId, record, json: () => processJson(processId, record, caller, owner?.username ?? null, job, release?.id ?? null) };
  };

  /** The process as the caller may see it, reconciled with its job; null after a 404 was sent. */
  const visibleProcess = async (caller: AuthenticatedCaller, id: string, reply: Parameters<typeof sendProblem>[0]) => {
    const processId = Number(id);
    let recorded = await deps.store.readStream(streamName('run', processId));
    const request = runRecord(recorded).state.request;
    if (!request || !(await canSeeProduct(db, caller, request.outputProductId))) {
      await sendProblem(reply, { code: 'NOT_FOUND', message: `process ${id} not found` });
      return null;
    }
    const status = runRecord(recorded).state.status;
    if (status === 'Pending' || status === 'Running') {
      await jobs.reconcile(processId);
      recorded = await deps.store.readStream(streamName('run', processId));
    }
    return shownProcess(caller, processId, recorded);
  };

  app.get('/api/processes/', {
    schema: {
      summary: "The caller's processes (an admin: everyone's), newest first; filters: status (Pending, Running, Successful, Failed, Stopped; comma-separated for several), pipeline (id or name); page, page_size",
      querystring: Type.Object({ status: Type.Optional(Type.String({ maxLength: 200 })), pipeline: Type.Optional(Type.String({ maxLength: 255 })), ...PaginationQuery }),
      response: { 200: Type.Object({ count: Type.Integer(), results: Type.Array(AnyObject) }), 400: Detail, 401: Detail },
    },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const page = readPage(request.query);
    if (isProblem(page)) return sendProblem(reply, page);
    const statuses = (request.query.status ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
    const unknown = statuses.find((s) => !(PROCESS_STATUSES as readonly string[]).includes(s));
    if (unknown !== undefined) return sendProblem(reply, { code: 'VALIDATION_FAILED', message: `status must be one of ${PROCESS_STATUSES.join(', ')}`, field: 'status' });
    const pipelineValue = request.query.pipeline;
    let pipeline: string | null = null;
    if (pipelineValue !== undefined && pipelineValue !== '') {
      const found = /^\d+$/.test(pipelineValue) ? pipelineById(Number(pipelineValue)) : pipelineByName(pipelineValue);
      if (!found) return sendProblem(reply, { code: 'VALIDATION_FAILED', message: `pipeline must name one of ${PIPELINES.map((p) => `${p.id} (${p.name})`).join(', ')}`, field: 'pipeline' });
      pipeline = found.name;
    }
    const listed = await listProcessIds(db, caller, { statuses, pipeline }, page);
    const results = [];
    for (const processId of listed.processIds) {
      const shown = await shownProcess(caller, processId, await deps.store.readStream(streamName('run', processId)));
      if (shown) results.push(shown.json());
    }
    return { count: listed.count, results };
  });

  app.get('/api/pipelines/', {
    schema: { summary: 'Pipelines that can be run (filter: name); system_config.param holds every parameter with its default', querystring: NameQuery, response: { 200: PipelineList, 401: Detail } },
  }, async (request, reply) => {
    if (!requireUser(request, reply)) return reply;
    const name = request.query.name;
    const results = PIPELINES.filter((p) => name === undefined || p.name === name).map(pipelineJson);
    return { count: results.length, next: null, previous: null, results };
  });

  app.get('/api/pipelines/:id/', { schema: { summary: 'One pipeline', params: IdParams, response: { 200: AnyObject, 401: Detail, 404: Detail } } }, async (request, reply) => {
    if (!requireUser(request, reply)) return reply;
    const pipeline = pipelineById(Number(request.params.id));
    if (!pipeline) return sendProblem(reply, { code: 'NOT_FOUND', message: `pipeline ${request.params.id} not found` });
    return pipelineJson(pipeline);
  });

  app.post('/api/processes/', {
    schema: {
      summary: 'Start a pipeline run: {display_name, pipeline, used_config ({"param": {...}}, as JSON text or an object), inputs: [product ids], release?}; multipart/form-data when a flags_translation_file is attached. The output product exists at once (status 3).',
      response: { 201: AnyObject, 400: Detail, 401: Detail, 403: Detail, 404: Detail, 413: Detail, 503: Detail },
    },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const read = await readSubmissionFields(request);
    if ('code' in read) return sendProblem(reply, read);
    const submission = toSubmission(read.fields, read.flags);
    if ('code' in submission) return sendProblem(reply, submission);
    const requested = await requestRun(deps, caller, submission, commandContext(request, caller), async (processId) => {
      await jobs.enqueue(processId);
    });
    if ('code' in requested) return sendProblem(reply, requested);
    const shown = await visibleProcess(caller, String(requested.processId), reply);
    if (!shown) return reply;
    return reply.code(201).send(shown.json());
  });

  app.get('/api/processes/:id/', { schema: { summary: 'One process: status (Pending, Running, Successful, Failed, Stopped), upload (the output product), progress, timings, error', params: IdParams, response: { 200: AnyObject, 401: Detail, 404: Detail } } }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const shown = await visibleProcess(caller, request.params.id, reply);
    return shown ? shown.json() : reply;
  });

  app.get('/api/processes/:id/stop/', {
    // The pzserver client stops a process with GET; a HEAD must not stop it as well.
    exposeHeadRoute: false,
    schema: { summary: 'Stop a process (its owner or an admin): recorded Stopped, its output product failed (status 9); a running computation finishes its stage but is not stored', params: IdParams, response: { 200: AnyObject, 401: Detail, 403: Detail, 404: Detail } },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    if (caller.via === 'session' && !echoesCsrfToken(request)) return sendProblem(reply, CSRF_FAILED);
    const shown = await visibleProcess(caller, request.params.id, reply);
    if (!shown) return reply;
    const stopped = await deps.bus.execute(runDecider, streamName('run', shown.processId), { type: 'StopRun', caller: domainCaller(caller) }, commandContext(request, caller));
    if (!stopped.ok) return sendProblem(reply, stopped.error);
    if (stopped.value.events.length > 0) await recordFailure(deps, shown.processId, 'STOPPED', `stopped by ${caller.username}`);
    const after = await visibleProcess(caller, request.params.id, reply);
    return after ? after.json() : reply;
  });

  app.get('/api/products/:id/process_config/', {
    schema: { summary: 'The configuration a pipeline output was made with (pipeline, version, parameters, inputs, the flag translation used); {} for an uploaded product', params: IdParams, response: { 200: AnyObject, 401: Detail, 404: Detail } },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const row = await visibleProduct(deps, caller, request.params.id, reply);
    if (!row) return reply;
    if (row.process_id === null) return {};
    const record = runRecord(await deps.store.readStream(streamName('run', Number(row.process_id))));
    const run = record.state.request;
    if (!run) return {};
    const flags = run.flagsTranslation;
    let flagsText: string | null = null;
    if (flags) {
      const located = await deps.blobs.localPath(flags.sha256);
      if (located.ok) flagsText = await readFile(located.value, 'utf8');
    }
    return {
      process: Number(row.process_id),
      pipeline: run.pipeline,
      pipeline_version: run.pipelineVersion,
      used_config: run.usedConfig,
      inputs: run.inputDetails.map((i) => ({ id: i.productId, internal_name: i.internalName, product_type: i.productTypeName, main_file_sha256: i.sha256, columns: i.columns })),
      release: run.releaseName,
      flags_translation: flags ? { name: flags.name, sha256: flags.sha256, file: flags.fileId, attached_to_run: flags.attached, content: flagsText } : null,
    };
  });
}
