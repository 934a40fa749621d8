import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static, type TSchema } from 'typebox';
import { requireUser } from '../auth/authenticate';
import type { AppDeps } from '../deps';
import { openArchiveChecksums, type ChecksumState } from '../downloads/archive-checksums';
import { checkDownloadToken, issueDownloadToken, type DownloadKind } from '../downloads/download-tokens';
import { mainFileDownload, productArchive, type MainFileDownload, type ProductArchive } from '../downloads/product-archive';
import { BinaryBody, sendDownload } from '../downloads/send-download';
import type { PzApp } from '../http/app-types';
import { sendProblem } from '../http/problem';
import { findProductRow, type ProductRow } from '../queries/product-rows';
import { Detail } from './schemas';
import { visibleProduct } from './product-lookup';
import { canSeeProduct } from '../visibility/product-visibility';
import { ANONYMOUS, type RequestCaller } from '../auth/caller';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const IdParams = Type.Object({ id: Type.String({ pattern: '^\\d{1,9}$' }) });
const TokenQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 2048 })) });
type IdRequest = FastifyRequest<{ Params: Static<typeof IdParams> }>;

const DownloadState = Type.Object({
  id: Type.String({ description: 'This version of the download: the archive fingerprint, or the sha256 of the main file' }),
  product: Type.Integer(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('running'), Type.Literal('ready'), Type.Literal('failed')]),
  filename: Type.String(),
  size: Type.Integer({ description: 'Exact length in bytes, known before the download starts' }),
  checksum: Nullable(Type.String({ description: 'sha256 (hex) of the file as downloaded; null until computed' })),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  download_url: Type.Optional(Type.String({ description: 'Signed link, valid until expires_at, for this exact content' })),
  expires_at: Type.Optional(Type.String()),
  error_message: Type.Optional(Type.String()),
});
type DownloadStateJson = Static<typeof DownloadState>;

const ZipBody = BinaryBody('the product as a zip: every stored file plus product_metadata.yaml', 'application/zip');
const RawBody = BinaryBody('the main file, byte for byte (sent with its recorded media type)', 'application/octet-stream');
const fileResponses = (body: typeof ZipBody) => ({ 200: body, 206: body, 401: Detail, 403: Detail, 404: Detail, 416: Detail });
const stateResponses = { 200: DownloadState, 202: DownloadState, 401: Detail, 404: Detail };

/** How long prepare waits for a checksum before answering 202: long enough for most products. */
const PREPARE_WAIT_MS = 2000;

/**
 * Product downloads: the zip (prepare → status → signed file link, and the legacy direct route)
 * and the main file alone (the same trio, and the pzserver client's `download_main_file/`).
 * Archives are stored zips laid out from recorded sizes and CRC-32s, so they stream at copy speed
 * and serve byte ranges; only the announced sha256 needs a full read, done once per archive
 * version in the background.
 */
export async function downloadRoutes(app: PzApp): Promise<void> {
  const { deps } = app;
  const checksums = await openArchiveChecksums(deps.database, app.log);
  app.addHook('onClose', () => checksums.close());

  /** The product named by `:id` as the caller may see it; null once the refusal is sent. */
  const requestedProduct = async (request: IdRequest, reply: FastifyReply): Promise<ProductRow | null> => {
    const caller = requireUser(request, reply);
    return caller ? visibleProduct(deps, caller, request.params.id, reply) : null;
  };
  /**
   * The product behind a signed link, as it is now: a link outlives nothing the product went
   * through (deletion included), and it opens only what the user it was prepared for may see now
   * (a release restricted since, a group left: the 404 of a product that does not exist).
   */
  const linkedProduct = async (productId: number, viewerId: number | null, reply: FastifyReply): Promise<ProductRow | null> => {
    const row = await findProductRow(deps.catalogue, productId);
    if (!row || !(await canSeeProduct(deps.catalogue, await linkViewer(deps, viewerId), productId, { throughShareLink: true }))) {
      await sendProblem(reply, { code: 'NOT_FOUND', message: `product ${productId} not found` });
      return null;
    }
    return downloadable(row, reply);
  };

  /** prepare (waits a little, retries a failed checksum) and status (answers at once) of the zip. */
  const zipState = (options: { waitMs: number; retryFailed: boolean }) => async (request: IdRequest, reply: FastifyReply) => {
    const row = await requestedProduct(request, reply);
    if (!row) return reply;
    const archive = await productArchive(deps, row);
    const body = archiveStateJson(deps, archive, await checksums.checksum(archive, options), viewerIdOf(request));
    return reply.code(body.status === 'ready' ? 200 : 202).send(body);
  };

  /** prepare and status of the main file alone: the same answer, always ready. */
  const mainFileState = async (request: IdRequest, reply: FastifyReply) => {
    const row = await requestedProduct(request, reply);
    if (!row) return reply;
    const main = await mainFileDownload(deps, row);
    if (!main.ok) return sendProblem(reply, { code: 'NOT_FOUND', message: main.error });
    return mainFileStateJson(deps, main.value, viewerIdOf(request));
  };

  app.post('/api/products/:id/download/prepare/', {
    schema: { summary: 'Prepare the product zip: 200 with a signed download_url when its checksum is known, 202 while it is computed', params: IdParams, response: stateResponses },
  }, zipState({ waitMs: PREPARE_WAIT_MS, retryFailed: true }));

  app.get('/api/products/:id/download/status/', {
    schema: { summary: 'State of the product zip: 200 ready, 202 pending/running with progress (starts computing its checksum if nobody has)', params: IdParams, response: stateResponses },
  }, zipState({ waitMs: 0, retryFailed: false }));

  app.get('/api/products/:id/download/file/', {
    schema: { summary: 'The product zip, through the signed link from prepare (no other credentials); honours Range', security: [], params: IdParams, querystring: TokenQuery, response: fileResponses(ZipBody) },
  }, async (request, reply) => {
    const productId = Number(request.params.id);
    const check = checkDownloadToken(deps.keyring, request.query.token, productId, 'zip');
    if (!check.ok) return sendProblem(reply, { code: 'FORBIDDEN', message: check.reason });
    const row = await linkedProduct(productId, check.grant.viewerId ?? null, reply);
    if (!row) return reply;
    const archive = await productArchive(deps, row);
    if (archive.fingerprint !== check.grant.content) return sendProblem(reply, { code: 'FORBIDDEN', message: changedSincePrepared });
    return sendDownload(request, reply, archive);
  });

  app.get('/api/products/:id/download/', {
    schema: { summary: 'The product zip, streamed directly (legacy pzserver route); honours Range', params: IdParams, response: fileResponses(ZipBody) },
  }, async (request, reply) => {
    const row = await requestedProduct(request, reply);
    if (!row) return reply;
    return sendDownload(request, reply, await productArchive(deps, row));
  });

  app.post('/api/products/:id/download/main-file/prepare/', {
    schema: { summary: 'Prepare a download of the main file alone: always ready, its checksum is its recorded sha256', params: IdParams, response: stateResponses },
  }, mainFileState);

  app.get('/api/products/:id/download/main-file/status/', {
    schema: { summary: 'State of the main-file download (always ready once there is a stored main file)', params: IdParams, response: stateResponses },
  }, mainFileState);

  app.get('/api/products/:id/download/main-file/file/', {
    schema: { summary: 'The main file, through the signed link from main-file/prepare; honours Range', security: [], params: IdParams, querystring: TokenQuery, response: fileResponses(RawBody) },
  }, async (request, reply) => {
    const productId = Number(request.params.id);
    const check = checkDownloadToken(deps.keyring, request.query.token, productId, 'main');
    if (!check.ok) return sendProblem(reply, { code: 'FORBIDDEN', message: check.reason });
    const row = await linkedProduct(productId, check.grant.viewerId ?? null, reply);
    if (!row) return reply;
    const main = await mainFileDownload(deps, row);
    if (!main.ok || main.value.sha256 !== check.grant.content) return sendProblem(reply, { code: 'FORBIDDEN', message: changedSincePrepared });
    return sendDownload(request, reply, main.value);
  });

  app.get('/api/products/:id/download_main_file/', {
    schema: { summary: 'The main file, streamed directly (what the pzserver client calls); honours Range', params: IdParams, response: fileResponses(RawBody) },
  }, async (request, reply) => {
    const row = await requestedProduct(request, reply);
    if (!row) return reply;
    const main = await mainFileDownload(deps, row);
    if (!main.ok) return sendProblem(reply, { code: 'NOT_FOUND', message: main.error });
    return sendDownload(request, reply, main.value);
  });
}

/**
 * A link carries no credentials, so it is checked against the product as it is now: once the
 * product is deleted every prepared link dies at once (share links check the same in
 * shares.ts). Signed-in callers go through visibleProduct, which shows a deleted product to
 * its owner and admins only.
 */
async function downloadable(row: ProductRow, reply: FastifyReply): Promise<ProductRow | null> {
  if (row.status !== 2) return row;
  await sendProblem(reply, { code: 'NOT_FOUND', message: `product ${row.id} was deleted: it can no longer be downloaded` });
  return null;
}

const changedSincePrepared = 'The product changed since this download link was prepared: call download/prepare/ again for a link to its current content.';

function downloadUrl(deps: AppDeps, productId: number, kind: DownloadKind, token: string): string {
  const path = kind === 'zip' ? 'download/file/' : 'download/main-file/file/';
  return `${deps.config.publicUrl}/api/products/${productId}/${path}?token=${encodeURIComponent(token)}`;
}

/** The signed-in user a link is prepared for (prepare and status answer only them). */
const viewerIdOf = (request: FastifyRequest): number | null => (request.caller.kind === 'user' ? request.caller.userId : null);

/** The user a link was prepared for, with their roles as they are now; a link naming nobody is checked as for a user in no group. */
async function linkViewer(deps: AppDeps, viewerId: number | null): Promise<RequestCaller> {
  const user = viewerId === null ? undefined : await deps.catalogue.selectFrom('users').select(['id', 'username', 'is_admin']).where('id', '=', viewerId).executeTakeFirst();
  return user ? { kind: 'user', userId: user.id, username: user.username, isAdmin: user.is_admin, via: 'token' } : ANONYMOUS;
}

function archiveStateJson(deps: AppDeps, archive: ProductArchive, state: ChecksumState, viewerId: number | null): DownloadStateJson {
  const base = { id: archive.fingerprint, product: archive.productId, filename: archive.filename, size: archive.size };
  switch (state.status) {
    case 'ready': {
      const issued = issueDownloadToken(deps.keyring, { productId: archive.productId, kind: 'zip', content: archive.fingerprint, viewerId });
      return { ...base, status: 'ready', checksum: state.sha256, progress: 1, download_url: downloadUrl(deps, archive.productId, 'zip', issued.token), expires_at: issued.expiresAt.toISOString() };
    }
    case 'failed':
      return { ...base, status: 'failed', checksum: null, progress: 0, error_message: state.error };
    default:
      return { ...base, status: state.status, checksum: null, progress: archive.size > 0 ? Math.min(1, state.bytesDone / archive.size) : 0 };
  }
}

function mainFileStateJson(deps: AppDeps, main: MainFileDownload, viewerId: number | null): DownloadStateJson {
  const issued = issueDownloadToken(deps.keyring, { productId: main.productId, kind: 'main', content: main.sha256, viewerId });
  return {
    id: main.sha256, product: main.productId, status: 'ready', filename: main.filename, size: main.size, checksum: main.sha256, progress: 1,
    download_url: downloadUrl(deps, main.productId, 'main', issued.token), expires_at: issued.expiresAt.toISOString(),
  };
}
