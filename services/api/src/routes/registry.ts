import { Type } from 'typebox';
import type { Job } from '@pz/jobs';
import { CSRF_FAILED, commandContext, domainCaller, echoesCsrfToken, requireUser, type AuthenticatedCaller } from '../auth/authenticate';
import type { PzApp } from '../http/app-types';
import { PaginationQuery, isProblem, readPage } from '../http/pagination';
import { sendProblem } from '../http/problem';
import { findProductRow, type ProductRow } from '../queries/product-rows';
import { sendRegistryProblem } from '../registry/errors';
import { findMainFile, noMainFile } from '../registry/main-file';
import { mainFileInfo } from '../registry/main-file-info';
import { readDataPage } from '../registry/read-data';
import { startRegistryJobs } from '../registry/registry-jobs';
import { runRegistry } from '../registry/registry-run';
import { MainFileInfoSchema, ReadDataSchema, RegistryJobSchema } from '../registry/schemas';
import { productJson } from '../serializers/product';
import { visibleProduct } from './product-lookup';
import { Detail, ProductSchema } from './schemas';

const IdParams = Type.Object({ id: Type.String({ pattern: '^\\d{1,9}$' }) });
const ReadDataQuery = Type.Object(PaginationQuery);

const mayChange = (caller: AuthenticatedCaller, row: ProductRow): boolean => caller.isAdmin || caller.userId === row.owner_id;

function registryJobJson(productId: number, job: Job) {
  return {
    product: productId,
    job: job.id,
    state: job.state,
    bytes_scanned: job.progressDone,
    bytes_total: job.progressTotal,
    attempts: job.attempts,
    error: job.error,
    result: job.result,
    status_url: `/api/products/${productId}/registry/status/`,
  };
}

/**
 * Registry of a product's main file (`/registry/`), and what it makes available: the file's
 * description (`/main_file_info/`) and a paged preview of its rows (`/read_data/`).
 */
export async function registryRoutes(app: PzApp): Promise<void> {
  const { deps } = app;
  const db = deps.catalogue;
  const jobs = await startRegistryJobs(deps, app.log);
  app.addHook('onClose', () => jobs.stop());

  app.get('/api/products/:id/registry/status/', {
    schema: {
      summary: 'Progress of the registry running in the background for this product (main files above REGISTRY_BACKGROUND_BYTES); 404 when none ran.',
      params: IdParams,
      response: { 200: RegistryJobSchema, 401: Detail, 404: Detail },
    },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const row = await visibleProduct(deps, caller, request.params.id, reply);
    if (!row) return reply;
    const job = await jobs.latest(row.id);
    if (!job) return sendProblem(reply, { code: 'NOT_FOUND', message: `no registry of product ${row.id} ran in the background` });
    return registryJobJson(row.id, job);
  });

  app.route({
    method: ['GET', 'POST'],
    url: '/api/products/:id/registry/',
    // The pzserver client runs registry with GET; a HEAD must not run it as well.
    exposeHeadRoute: false,
    schema: {
      summary: 'Inspect the main file and register its columns (owner or admin). A tabular product whose main file is not a readable table is marked failed (status 9) and answered 422 with the reason.',
      params: IdParams,
      response: { 200: ProductSchema, 202: RegistryJobSchema, 400: Detail, 401: Detail, 403: Detail, 404: Detail, 409: Detail, 422: Detail, 429: Detail, 503: Detail },
    },
    handler: async (request, reply) => {
      const caller = requireUser(request, reply);
      if (!caller) return reply;
      // GET runs registry too (the pzserver client's verb): from a portal session it is a write like any other.
      if (caller.via === 'session' && !echoesCsrfToken(request)) return sendProblem(reply, CSRF_FAILED);
      const row = await visibleProduct(deps, caller, request.params.id, reply);
      if (!row) return reply;
      // The decider refuses these too; saying so first spares inspecting a file for nothing.
      if (!mayChange(caller, row)) return sendProblem(reply, { code: 'FORBIDDEN', message: 'only the owner of this product or an admin may run its registry' });
      if (row.status === 2) return sendProblem(reply, { code: 'INVALID_STATE', message: 'this product was deleted' });
      const file = await findMainFile(db, row.id);
      if (!file) return sendRegistryProblem(reply, noMainFile(row.id));

      const context = commandContext(request, caller);
      // A large main file is registered in the background: the answer is where to watch it.
      if (file.stored && Number(file.size) > deps.config.registryBackgroundBytes) {
        const { expectedRevision: _ignored, ...jobContext } = context;
        const job = await jobs.enqueue({ productId: row.id, fileId: file.id, caller: domainCaller(caller), context: jobContext });
        request.log.info({ productId: row.id, fileId: file.id, jobId: job.id, size: Number(file.size) }, 'registry queued');
        return reply.code(202).header('location', registryJobJson(row.id, job).status_url).send(registryJobJson(row.id, job));
      }
      const run = await runRegistry(deps, { id: row.id, productTypeName: row.product_type_name }, file, domainCaller(caller), context, { requester: `user:${caller.userId}` });
      if ('registryProblem' in run) {
        request.log.error({ productId: row.id, fileId: file.id, code: run.registryProblem.code }, run.registryProblem.message);
        return sendRegistryProblem(reply, run.registryProblem);
      }
      if ('commandProblem' in run) return sendProblem(reply, run.commandProblem);
      const outcome = run.recorded;
      request.log.info({ productId: row.id, fileId: file.id, outcome: outcome.kind, ...(outcome.kind === 'registered' ? { format: outcome.contents.format, nRows: outcome.contents.nRows } : { code: outcome.code }) }, 'registry');
      if (outcome.kind === 'failed') {
        return sendRegistryProblem(reply, { code: outcome.code, message: `${outcome.reason} The product is marked as failed (status 9); replace its main file and run registry again.` });
      }
      const updated = await findProductRow(db, row.id);
      if (!updated) throw new Error(`product ${row.id} vanished`);
      return productJson(updated, caller);
    },
  });

  app.get('/api/products/:id/main_file_info/', {
    schema: { summary: 'The product with a description of its main file (row count, CSV dialect, associated columns)', params: IdParams, response: { 200: MainFileInfoSchema, 400: Detail, 401: Detail, 404: Detail } },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const row = await visibleProduct(deps, caller, request.params.id, reply);
    if (!row) return reply;
    const file = await findMainFile(db, row.id);
    if (!file) return sendRegistryProblem(reply, noMainFile(row.id));
    return { ...productJson(row, caller), main_file: await mainFileInfo(db, row.id, file) };
  });

  app.get('/api/products/:id/read_data/', {
    schema: {
      summary: 'A page of the main file\'s rows (page_size default 100, at most 1000). 409 before registry or after a failed one; 400 when the main file is not a table.',
      params: IdParams,
      querystring: ReadDataQuery,
      response: { 200: ReadDataSchema, 400: Detail, 401: Detail, 404: Detail, 409: Detail, 422: Detail, 429: Detail, 503: Detail },
    },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const page = readPage(request.query);
    if (isProblem(page)) return sendProblem(reply, page);
    const row = await visibleProduct(deps, caller, request.params.id, reply);
    if (!row) return reply;
    const file = await findMainFile(db, row.id);
    if (!file) return sendRegistryProblem(reply, noMainFile(row.id));
    const data = await readDataPage(db, deps.blobs, row.id, file, page, deps.config.tableDecodeTimeoutMs, `user:${caller.userId}`);
    if ('code' in data) {
      if (data.code === 'STORAGE_UNAVAILABLE') request.log.error({ productId: row.id, fileId: file.id }, data.message);
      return sendRegistryProblem(reply, data);
    }
    return data;
  });
}
