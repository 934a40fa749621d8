import { Type, type TSchema } from 'typebox';
import { streamName } from '@pz/contracts';
import { domainCaller, commandContext, requireUser, type AuthenticatedCaller } from '../auth/authenticate';
import { productDecider, type ProductCommand } from '@pz/domain';
import type { PzApp } from '../http/app-types';
import { optionsMetadata } from '../http/options-metadata';
import { isProblem, readPage } from '../http/pagination';
import { sendProblem, type Problem } from '../http/problem';
import { storableId } from '../http/storable-id';
import { PRODUCT_FILTERS, PRODUCT_ORDERING, PRODUCT_SEARCH_FIELDS, listProducts, parseProductListQuery } from '../queries/product-list';
import { readListingChanges } from '../queries/listing-changes';
import { ListingCache, bodyFor, listingKey, viewpointOf } from '../queries/product-list-cache';
import { sendJsonBytes, toBytes } from '../http/json-bytes';
import { findProductRow } from '../queries/product-rows';
import { productJson } from '../serializers/product';
import { ProductSchema, Detail } from './schemas';
import { visibleProduct } from './product-lookup';
import { visibilityViewpoint, visibleProductIds, visibleReleasesWhere } from '../visibility/product-visibility';
import { derivationCycle } from '../provenance/lineage-query';

const IdParams = Type.Object({ id: Type.String({ pattern: '^\\d{1,9}$' }) });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const IdOrName = Type.Union([Type.Integer(), Type.String({ maxLength: 255 })]);
const ReleaseYear = Type.Integer({ description: "the data's year, as the reference model's writable release_year; null (PATCH): the release's year again" });

// Unknown and read-only fields are dropped before the handler (http/lenient-validation.ts); `null`
// for an optional field means "not given". `status` is writable as in the reference model, but a
// product always starts registering: 0 (or null) is accepted, anything else is refused (publish
// with PATCH status=1 once the main file is registered).
const CreateBody = Type.Object({
  display_name: Type.String({ maxLength: 255 }),
  product_type: IdOrName,
  release: Type.Optional(Nullable(IdOrName)),
  official_product: Type.Optional(Nullable(Type.Boolean())),
  pz_code: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  description: Type.Optional(Nullable(Type.String({ maxLength: 100000 }))),
  derived_from: Type.Optional(Nullable(Type.Array(Type.Integer(), { maxItems: 100 }))),
  status: Type.Optional(Nullable(Type.Integer({ description: 'only 0 (registering) is accepted; publish with PATCH status=1' }))),
  release_year: Type.Optional(Nullable(ReleaseYear)),
}, { additionalProperties: false });

const PatchBody = Type.Object({
  display_name: Type.Optional(Type.String({ maxLength: 255 })),
  release: Type.Optional(Nullable(IdOrName)),
  official_product: Type.Optional(Type.Boolean()),
  pz_code: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  description: Type.Optional(Nullable(Type.String({ maxLength: 100000 }))),
  status: Type.Optional(Type.Integer()),
  derived_from: Type.Optional(Type.Array(Type.Integer(), { maxItems: 100 })),
  release_year: Type.Optional(Nullable(ReleaseYear)),
}, { additionalProperties: false });

/** `/api/products/`: the catalogue list and each product's lifecycle (create, edit, publish, delete). */
export async function productRoutes(app: PzApp): Promise<void> {
  const { deps } = app;
  const db = deps.catalogue;
  const listings = new ListingCache((since) => readListingChanges(db, since), 1000, deps.config.listingCacheMaxBytes);

  const resolveType = async (value: number | string) => {
    const q = db.selectFrom('product_types').select('name');
    if (typeof value === 'number' || /^\d+$/.test(value)) return storableId(Number(value)) ? q.where('id', '=', Number(value)).executeTakeFirst() : undefined;
    return q.where('name', '=', value).executeTakeFirst();
  };
  /** A release given by id or name → its name; `exists` false when it does not exist or the caller may not know of it (a restricted one). */
  const resolveRelease = async (caller: AuthenticatedCaller, value: number | string | null | undefined): Promise<{ name: string | null; exists: boolean }> => {
    if (value === null || value === undefined || value === '') return { name: null, exists: true };
    const q = db.selectFrom('releases').select('name').where(visibleReleasesWhere(caller));
    const byId = typeof value === 'number' || /^\d+$/.test(value);
    if (byId && !storableId(Number(value))) return { name: String(value), exists: false };
    const row = await (byId ? q.where('id', '=', Number(value)) : q.where('name', '=', value)).executeTakeFirst();
    return row ? { name: row.name, exists: true } : { name: String(value), exists: false };
  };
  /** Of the declared parents, those that do not exist, are deleted, or the caller may not see (alike: naming them would tell). */
  const missingParents = async (caller: AuthenticatedCaller, ids: readonly number[]) => {
    const storable = ids.filter(storableId);
    if (storable.length === 0) return [...ids];
    const seen = await visibleProductIds(db, caller, storable);
    const live = seen.size ? await db.selectFrom('products').select('id').where('id', 'in', [...seen]).where('status', '!=', 2).execute() : [];
    return ids.filter((id) => !live.some((f) => f.id === id));
  };

  app.get('/api/products/', {
    schema: { summary: 'List products (filters: see OPTIONS)', querystring: Type.Record(Type.String(), Type.String()), response: { 200: Type.Object({ count: Type.Integer(), results: Type.Array(ProductSchema) }), 400: Detail, 401: Detail } },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const page = readPage(request.query);
    if (isProblem(page)) return sendProblem(reply, page);
    const query = parseProductListQuery(request.query);
    if ('code' in query) return sendProblem(reply, query);
    const current = deps.projector.status().position;
    const key = listingKey(request.query, query, page, caller, await visibilityViewpoint(db, caller));
    // `Cache-Control: no-cache` asks for an answer read now rather than a kept one (RFC 9111, 5.2.1.4).
    const fresh = /\bno-cache\b/i.test(request.headers['cache-control'] ?? '');
    const ticket = await listings.follow(current);
    const kept = fresh || !ticket.usable ? undefined : listings.get(key);
    reply.header('x-catalogue-cache', kept ? 'hit' : fresh ? 'bypass' : 'miss');
    const listing = kept ?? (await listProducts(db, query, page, caller));
    const cached = kept ?? listings.put(key, listing, ticket);
    if (cached) {
      // Serialised by this route's reply schema when first asked for from this viewpoint; the same bytes sent since.
      const body = bodyFor(cached, viewpointOf(cached, caller), () => toBytes(reply.serialize({ count: cached.count, results: cached.rows.map((r) => productJson(r, caller)) })));
      return sendJsonBytes(reply, body);
    }
    return { count: listing.count, results: listing.rows.map((r) => productJson(r, caller)) };
  });

  app.options('/api/products/', { schema: { summary: 'Filter, search and ordering metadata of the product list' } }, async () =>
    optionsMetadata('Product List', 'Photo-z data products', PRODUCT_FILTERS, PRODUCT_SEARCH_FIELDS, [...PRODUCT_ORDERING]),
  );

  app.post('/api/products/', { schema: { summary: 'Register a product (status 0); files are attached next', body: CreateBody, response: { 201: ProductSchema, 400: Detail, 401: Detail, 403: Detail } } }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const b = request.body;
    if (b.status !== undefined && b.status !== null && b.status !== 0) {
      return sendProblem(reply, { code: 'VALIDATION_FAILED', message: `status must be 0 (registering) when a product is created, not ${b.status}; publish it with PATCH status=1 once its main file is registered`, field: 'status' });
    }
    const type = await resolveType(b.product_type);
    if (!type) return sendProblem(reply, { code: 'VALIDATION_FAILED', message: `product_type "${b.product_type}" does not exist`, field: 'product_type' });
    const release = await resolveRelease(caller, b.release);
    const missing = await missingParents(caller, b.derived_from ?? []);
    if (missing.length) return sendProblem(reply, { code: 'VALIDATION_FAILED', message: `derived_from names products that do not exist: ${missing.join(', ')}`, field: 'derived_from' });
    const context = commandContext(request, caller);
    const [productId] = await deps.allocateIds('product', 1, context.idempotencyKey);
    const id = productId as number;
    const result = await deps.bus.execute(productDecider, streamName('product', id), {
      type: 'RegisterProduct',
      caller: domainCaller(caller),
      releaseExists: release.exists,
      releaseYear: b.release_year ?? null,
      data: { productId: id, displayName: b.display_name, productTypeName: type.name, releaseName: release.name, officialProduct: b.official_product ?? false, pzCode: b.pz_code || null, description: b.description ?? null, derivedFrom: b.derived_from ?? [] },
    }, context);
    // A retried create (same Idempotency-Key) lands on the same id and finds its product there.
    if (!result.ok && !(result.error.code === 'ALREADY_EXISTS' && context.idempotencyKey)) return sendProblem(reply, result.error);
    const row = await findProductRow(db, id);
    if (!row) throw new Error(`product ${id} not projected`);
    return reply.code(201).send(productJson(row, caller));
  });

  app.get('/api/products/:id/', { schema: { summary: 'One product', params: IdParams, response: { 200: ProductSchema, 401: Detail, 404: Detail } } }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const row = await visibleProduct(deps, caller, request.params.id, reply);
    if (!row) return reply;
    reply.header('ETag', `"${row.last_revision}"`);
    return productJson(row, caller);
  });

  app.patch('/api/products/:id/', {
    schema: { summary: 'Edit a product; status=1 publishes it (406 when required columns are not mapped). All parts are applied or none. Send If-Match: "<revision>" (its ETag) to refuse concurrent edits (412).', params: IdParams, body: PatchBody, response: { 200: ProductSchema, 400: Detail, 401: Detail, 403: Detail, 404: Detail, 406: Detail, 409: Detail, 412: Detail, 503: Detail } },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const row = await visibleProduct(deps, caller, request.params.id, reply);
    if (!row) return reply;
    const b = request.body;
    const who = domainCaller(caller);
    const commands: ProductCommand[] = [];
    const changes: Extract<ProductCommand, { type: 'EditProductMetadata' }>['changes'] = {};
    if (b.display_name !== undefined) changes.displayName = b.display_name;
    if (b.description !== undefined) changes.description = b.description;
    if (b.pz_code !== undefined) changes.pzCode = b.pz_code || null;
    let releaseExists = true;
    if (b.release !== undefined) {
      // The product's own release stays nameable by whoever may edit it (an owner outside its groups resending the form).
      const own = row.release_name !== null && (b.release === row.release_name || (row.release_id !== null && String(b.release) === String(row.release_id)));
      const release = own ? { name: row.release_name, exists: true } : await resolveRelease(caller, b.release);
      changes.releaseName = release.name;
      releaseExists = release.exists;
    }
    if (Object.keys(changes).length) commands.push({ type: 'EditProductMetadata', caller: who, changes, releaseExists });
    if (b.derived_from !== undefined) {
      const missing = await missingParents(caller, b.derived_from);
      if (missing.length) return sendProblem(reply, { code: 'VALIDATION_FAILED', message: `derived_from names products that do not exist: ${missing.join(', ')}`, field: 'derived_from' });
      commands.push({ type: 'DeclareDerivation', caller: who, derivedFrom: b.derived_from });
    }
    if (b.release_year !== undefined) commands.push({ type: 'SetReleaseYear', caller: who, releaseYear: b.release_year });
    if (b.official_product !== undefined && b.official_product !== row.official_product) commands.push({ type: 'SetOfficial', caller: who, official: b.official_product });
    if (b.status !== undefined && b.status !== row.status) {
      if (b.status === 1) commands.push({ type: 'PublishProduct', caller: who });
      else if (b.status === 2) commands.push({ type: 'DeleteProduct', caller: who });
      else return sendProblem(reply, { code: 'VALIDATION_FAILED', message: 'status can only be set to 1 (publish) or 2 (delete)', field: 'status' });
    }
    // Every part is decided before anything is recorded, and recorded in one append: a refused
    // part (403, 406, 409) leaves the product as it was, and If-Match guards the whole request.
    const record = () => deps.bus.executeAll(productDecider, streamName('product', row.id), commands, commandContext(request, caller));
    const parents = b.derived_from;
    // A declaration is checked for cycles and recorded under the lineage lock (the check reads the read model, so it must not interleave with another declaration's).
    type Outcome = { readonly problem: Problem } | { readonly recorded: Awaited<ReturnType<typeof record>> };
    const outcome: Outcome = parents === undefined ? { recorded: await record() } : await deps.lineageLock(async (): Promise<Outcome> => {
      // The holders before this one waited for their declarations to be projected; should one have timed out, wait here for the head of the log.
      if (!(await deps.projector.waitFor(await deps.store.headPosition(), 10_000))) return { problem: { code: 'CATCHING_UP', message: 'the provenance read model is catching up with the log; try again', field: 'derived_from' } };
      const cycle = await derivationCycle(deps.provenance, row.id, parents);
      if (cycle !== null) return { problem: { code: 'VALIDATION_FAILED', message: cycle === row.id ? 'derived_from: a product cannot be derived from itself' : `derived_from: product ${cycle} is already derived (directly or through others) from product ${row.id}; declaring it a parent would make a cycle`, field: 'derived_from' } };
      return { recorded: await record() };
    });
    if ('problem' in outcome) return sendProblem(reply, outcome.problem);
    const result = outcome.recorded;
    if (!result.ok) return sendProblem(reply, result.error);
    const updated = await findProductRow(db, row.id);
    if (!updated) throw new Error('product vanished');
    reply.header('ETag', `"${updated.last_revision}"`);
    return productJson(updated, caller);
  });

  app.delete('/api/products/:id/', { schema: { summary: 'Soft-delete a product (status 2)', params: IdParams, response: { 204: Type.Null(), 401: Detail, 403: Detail, 404: Detail } } }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const row = await visibleProduct(deps, caller, request.params.id, reply);
    if (!row) return reply;
    const result = await deps.bus.execute(productDecider, streamName('product', row.id), { type: 'DeleteProduct', caller: domainCaller(caller) }, commandContext(request, caller));
    if (!result.ok) return sendProblem(reply, result.error);
    return reply.code(204).send(null);
  });
}
