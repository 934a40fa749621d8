import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { FILE_ROLE_NAMES, err, ok, streamName, type FileRole, type Result } from '@pz/contracts';
import { productDecider } from '@pz/domain';
import { commandContext, domainCaller, requireUser } from '../auth/authenticate';
import { newSecretKey, sha256Hex } from '../auth/secrets';
import type { AppDeps } from '../deps';
import { productArchive } from '../downloads/product-archive';
import { BinaryBody, sendDownload } from '../downloads/send-download';
import type { PzApp } from '../http/app-types';
import { sendProblem, type Problem } from '../http/problem';
import { findProductRow, type ProductRow } from '../queries/product-rows';
import { isoUtc, productJson } from '../serializers/product';
import { Detail, ProductSchema } from './schemas';
import { visibleProduct } from './product-lookup';
import { canSeeProduct } from '../visibility/product-visibility';
import type { RequestCaller } from '../auth/caller';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const IdParams = Type.Object({ id: Type.String({ pattern: '^\\d{1,9}$' }) });
const ShareParams = Type.Object({ id: Type.String({ pattern: '^\\d{1,9}$' }), shareId: Type.String({ maxLength: 100 }) });
const KeyParams = Type.Object({ key: Type.String({ pattern: '^[A-Za-z0-9]{16,128}$' }) });

const CreateShareBody = Type.Object({
  expires_at: Type.Optional(Nullable(Type.String({ maxLength: 64, description: 'ISO-8601 instant in the future; absent or null: the link never expires' }))),
}, { additionalProperties: false });
const CreatedShare = Type.Object({
  id: Type.String(),
  url: Type.String({ description: 'Open without an account; the key in it is shown only now' }),
  key: Type.String(),
  expires_at: Nullable(Type.String()),
});
const ShareSummary = Type.Object({
  id: Type.String(),
  product: Type.Integer(),
  status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
  expires_at: Nullable(Type.String()),
  created_at: Type.String(),
});
const SharedFile = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  role: Type.Integer(),
  role_name: Type.String(),
  type: Type.String(),
  extension: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  stored: Type.Boolean({ description: 'false when the server keeps only this file\'s metadata (it is not in the zip)' }),
});
const SharedProduct = Type.Object({ ...ProductSchema.properties, files: Type.Array(SharedFile), download_url: Type.String() });

/**
 * Share links: the owner (or an admin) creates a link whose key is shown once and stored only as
 * its sha256; anyone holding it, without an account, may read the product and download its zip
 * until the link expires or is revoked.
 */
export async function shareRoutes(app: PzApp): Promise<void> {
  const { deps } = app;
  const db = deps.catalogue;

  app.post('/api/products/:id/shares/', {
    schema: { summary: 'Create a share link (owner or admin); the key is returned once', params: IdParams, body: CreateShareBody, response: { 201: CreatedShare, 400: Detail, 401: Detail, 403: Detail, 404: Detail, 409: Detail } },
    // A bare `POST` (no body) asks for a link that never expires.
    preValidation: async (request) => {
      request.body ??= {};
    },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const row = await visibleProduct(deps, caller, request.params.id, reply);
    if (!row) return reply;
    const expiry = parseExpiry(request.body.expires_at);
    if (!expiry.ok) return sendProblem(reply, expiry.error);
    const expiresAt = expiry.value;
    const key = newSecretKey();
    const shareId = randomUUID();
    // Never the client's Idempotency-Key: a retry would be deduplicated into the first event and
    // answer with a fresh key that was never stored.
    const context = { ...commandContext(request, caller), commandId: randomUUID() };
    const result = await deps.bus.execute(productDecider, streamName('product', row.id), { type: 'ShareProduct', caller: domainCaller(caller), shareId, keyHash: sha256Hex(key), expiresAt }, context);
    if (!result.ok) return sendProblem(reply, result.error);
    return reply.code(201).send({ id: shareId, url: sharedUrl(deps, key), key, expires_at: expiresAt });
  });

  app.get('/api/products/:id/shares/', {
    schema: { summary: 'The product\'s share links, without their keys (owner or admin)', params: IdParams, response: { 200: Type.Object({ count: Type.Integer(), results: Type.Array(ShareSummary) }), 401: Detail, 403: Detail, 404: Detail } },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const row = await visibleProduct(deps, caller, request.params.id, reply);
    if (!row) return reply;
    if (!caller.isAdmin && caller.userId !== row.owner_id) return sendProblem(reply, { code: 'FORBIDDEN', message: 'only the owner of this product or an admin may see its share links' });
    const shares = await db.selectFrom('product_shares').selectAll().where('product_id', '=', row.id).orderBy('created_at').orderBy('share_id').execute();
    const now = Date.now();
    const results = shares.map((s) => ({
      id: s.share_id,
      product: s.product_id,
      status: s.revoked ? ('revoked' as const) : s.expires_at !== null && new Date(s.expires_at).getTime() <= now ? ('expired' as const) : ('active' as const),
      expires_at: s.expires_at === null ? null : isoUtc(s.expires_at),
      created_at: isoUtc(s.created_at),
    }));
    return { count: results.length, results };
  });

  app.delete('/api/products/:id/shares/:shareId/', {
    schema: { summary: 'Revoke a share link (owner or admin); its key stops working at once', params: ShareParams, response: { 204: Type.Null(), 401: Detail, 403: Detail, 404: Detail, 409: Detail } },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const row = await visibleProduct(deps, caller, request.params.id, reply);
    if (!row) return reply;
    const result = await deps.bus.execute(productDecider, streamName('product', row.id), { type: 'RevokeShare', caller: domainCaller(caller), shareId: request.params.shareId }, commandContext(request, caller));
    if (!result.ok) return sendProblem(reply, result.error);
    return reply.code(204).send(null);
  });

  app.get('/api/shared/:key/', {
    schema: { summary: 'A shared product and its files, for the holder of the link (no account needed)', security: [], params: KeyParams, response: { 200: SharedProduct, 404: Detail } },
  }, async (request, reply) => {
    const row = await sharedProduct(deps, request.caller, request.params.key, reply);
    if (!row) return reply;
    const files = await db
      .selectFrom('product_files')
      .select(['id', 'name', 'role', 'mime_type', 'extension', 'size', 'sha256', 'stored'])
      .where('product_id', '=', row.id)
      .orderBy('role')
      .orderBy('id')
      .execute();
    reply.header('Cache-Control', 'private, no-store');
    return {
      ...productJson(row, null),
      files: files.map((f) => ({ id: f.id, name: f.name, role: f.role, role_name: FILE_ROLE_NAMES[f.role as FileRole] ?? String(f.role), type: f.mime_type, extension: f.extension, size: Number(f.size), sha256: f.sha256, stored: f.stored })),
      download_url: `${sharedUrl(deps, request.params.key)}download/`,
    };
  });

  app.get('/api/shared/:key/download/', {
    schema: { summary: 'The shared product as a zip (no account needed); honours Range', security: [], params: KeyParams, response: { 200: BinaryBody('the product as a zip', 'application/zip'), 206: BinaryBody('a byte range of the zip', 'application/zip'), 404: Detail, 416: Detail } },
  }, async (request, reply) => {
    const row = await sharedProduct(deps, request.caller, request.params.key, reply);
    if (!row) return reply;
    return sendDownload(request, reply, await productArchive(deps, row));
  });
}

const sharedUrl = (deps: AppDeps, key: string) => `${deps.config.publicUrl}/api/shared/${key}/`;

/**
 * The product a share key opens, or a 404 (already sent) saying why the link does not work. A
 * link opens the product for whoever holds it, as far as visibility allows a signed-in user who
 * owns nothing and is in no group (visibility/product-visibility.ts, `throughShareLink`): a link
 * to a product in a restricted release works only for a signed-in member, its owner or an admin,
 * and answers everyone else as a link that does not exist.
 */
async function sharedProduct(deps: AppDeps, caller: RequestCaller, key: string, reply: FastifyReply): Promise<ProductRow | null> {
  const share = await deps.catalogue.selectFrom('product_shares').select(['product_id', 'expires_at', 'revoked']).where('key_hash', '=', sha256Hex(key)).executeTakeFirst();
  const refuse = async (message: string) => {
    await sendProblem(reply, { code: 'NOT_FOUND', message });
    return null;
  };
  const missing = 'This share link does not exist: check that the whole link was copied.';
  if (!share) return refuse(missing);
  if (share.revoked) return refuse('This share link was revoked by the product\'s owner.');
  if (share.expires_at !== null && new Date(share.expires_at).getTime() <= Date.now()) return refuse(`This share link expired at ${isoUtc(share.expires_at)}.`);
  const row = await findProductRow(deps.catalogue, share.product_id);
  if (!row || row.status === 2) return refuse('The shared product was deleted.');
  if (!(await canSeeProduct(deps.catalogue, caller, row.id, { throughShareLink: true }))) return refuse(missing);
  return row;
}

/** Whether the day exists: `Date.parse` takes 2030-02-30 for March 2. */
const calendarDate = (year: number, month: number, day: number): boolean => {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
};

/** A normalised ISO instant in the future, null for "never", or the problem with the value given. */
function parseExpiry(value: string | null | undefined): Result<string | null, Problem> {
  if (value === undefined || value === null || value === '') return ok(null);
  const at = Date.parse(value);
  const date = /^(\d{4})-(\d\d)-(\d\d)/.exec(value);
  if (!date || Number.isNaN(at) || !calendarDate(Number(date[1]), Number(date[2]), Number(date[3]))) return err({ code: 'VALIDATION_FAILED', message: `expires_at must be an ISO-8601 date or instant on a day that exists, got "${value.slice(0, 40)}"`, field: 'expires_at' });
  if (at <= Date.now()) return err({ code: 'VALIDATION_FAILED', message: `expires_at must be in the future, got ${new Date(at).toISOString()}`, field: 'expires_at' });
  return ok(new Date(at).toISOString());
}
