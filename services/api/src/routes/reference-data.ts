import { Type } from 'typebox';
import { streamName } from '@pz/contracts';
import { releaseDecider } from '@pz/domain';
import { commandContext, requireUser, type AuthenticatedCaller } from '../auth/authenticate';
import { missingGroups, releaseGroups } from '../groups/group-queries';
import { visibleReleasesWhere } from '../visibility/product-visibility';
import type { PzApp } from '../http/app-types';
import { optionsMetadata } from '../http/options-metadata';
import { PaginationQuery, isProblem, readPage } from '../http/pagination';
import { sendProblem } from '../http/problem';
import { storableId } from '../http/storable-id';
import { likeContains } from '../queries/text-filters';
import { isoUtc } from '../serializers/product';

const Detail = Type.Object({ detail: Type.String() }, { additionalProperties: true });
const ProductType = Type.Object({ id: Type.Integer(), name: Type.String(), display_name: Type.String(), order: Type.Integer(), description: Type.String(), created_at: Type.String() });
const Release = Type.Object({
  id: Type.Integer(), name: Type.String(), display_name: Type.String(), description: Type.String(), created_at: Type.String(),
  indexing_column: Type.String(), has_mag_hats: Type.Boolean(), has_flux_hats: Type.Boolean(), dereddening: Type.Union([Type.String(), Type.Null()]),
  fluxes: Type.Array(Type.String()), is_public: Type.Boolean(),
  groups: Type.Optional(Type.Array(Type.String(), { description: 'admins only: the groups a restricted release is open to (empty: public, or, with is_public false, only owners and admins)' })),
});
const User = Type.Object({ id: Type.Integer(), username: Type.String(), first_name: Type.String(), last_name: Type.String(), display_name: Type.String() });
const IdParams = Type.Object({ id: Type.String({ pattern: '^\\d{1,9}$' }) });
// An id outside PostgreSQL's integer range would fail the query.
const ListQuery = Type.Object({ ...PaginationQuery, id: Type.Optional(Type.String({ pattern: '^\\d{0,9}$' })), name: Type.Optional(Type.String()), search: Type.Optional(Type.String()), ordering: Type.Optional(Type.String()) });

/** Read-only reference data of the pzserver contract (product types, releases, users) and admin release creation. */
export async function referenceRoutes(app: PzApp): Promise<void> {
  const db = app.deps.catalogue;
  const readOnly = (url: string) =>
    app.route({ method: ['POST', 'PUT', 'PATCH', 'DELETE'], url, schema: { hide: true }, handler: async (_r, reply) => sendProblem(reply, { code: 'METHOD_NOT_ALLOWED', message: `${url} is read-only` }) });

  const productTypeJson = (r: { id: number; name: string; display_name: string; order: number; description: string; created_at: Date }) => ({ ...r, created_at: isoUtc(r.created_at) });

  app.get('/api/product-types/', { schema: { summary: 'Product types', querystring: ListQuery, response: { 200: Type.Object({ count: Type.Integer(), results: Type.Array(ProductType) }), 400: Detail, 401: Detail } } }, async (request, reply) => {
    if (!requireUser(request, reply)) return reply;
    const page = readPage(request.query);
    if (isProblem(page)) return sendProblem(reply, page);
    let q = db.selectFrom('product_types').selectAll();
    if (request.query.id) q = q.where('id', '=', storableId(Number(request.query.id)) ? Number(request.query.id) : 0);
    if (request.query.name) q = q.where('name', '=', request.query.name);
    const rows = await q.orderBy('order').execute();
    return { count: rows.length, results: rows.slice(page.offset, page.offset + page.limit).map(productTypeJson) };
  });
  app.get('/api/product-types/:id/', { schema: { params: IdParams, response: { 200: ProductType, 404: Detail, 401: Detail } } }, async (request, reply) => {
    if (!requireUser(request, reply)) return reply;
    const row = await db.selectFrom('product_types').selectAll().where('id', '=', Number(request.params.id)).executeTakeFirst();
    return row ? productTypeJson(row) : sendProblem(reply, { code: 'NOT_FOUND', message: 'product type not found' });
  });
  app.options('/api/product-types/', async () => optionsMetadata('Product Type List', 'Product types', [{ name: 'id', type: 'NumberFilter' }, { name: 'name', type: 'CharFilter' }], [], ['order']));
  readOnly('/api/product-types/');
  readOnly('/api/product-types/:id/');

  type ReleaseRow = Awaited<ReturnType<ReturnType<typeof releaseRows>['executeTakeFirstOrThrow']>>;
  // A restricted release is listed only to admins and the members of its groups (visibleReleasesWhere).
  const releaseRows = (caller?: AuthenticatedCaller) => (caller ? db.selectFrom('releases').selectAll().where(visibleReleasesWhere(caller)) : db.selectFrom('releases').selectAll());
  const releaseJson = (r: ReleaseRow, groups?: Map<string, string[]>) => ({ ...r, created_at: isoUtc(r.created_at), fluxes: r.fluxes, ...(groups ? { groups: groups.get(r.name) ?? [] } : {}) });
  /** The groups of these releases, for admins only. */
  const groupsFor = async (caller: AuthenticatedCaller, rows: readonly ReleaseRow[]) => (caller.isAdmin ? releaseGroups(db, rows.map((r) => r.name)) : undefined);
  app.get('/api/releases/', { schema: { summary: 'Data releases (a restricted one only for admins and the members of its groups)', querystring: ListQuery, response: { 200: Type.Object({ count: Type.Integer(), results: Type.Array(Release) }), 400: Detail, 401: Detail } } }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const page = readPage(request.query);
    if (isProblem(page)) return sendProblem(reply, page);
    let q = releaseRows(caller);
    if (request.query.id) q = q.where('id', '=', storableId(Number(request.query.id)) ? Number(request.query.id) : 0);
    if (request.query.name) q = q.where('name', '=', request.query.name);
    if (request.query.search) {
      const like = likeContains(request.query.search);
      q = q.where((eb) => eb.or([eb('display_name', 'ilike', like), eb('description', 'ilike', like)]));
    }
    const all = await q.orderBy('id').execute();
    const rows = all.slice(page.offset, page.offset + page.limit);
    const groups = await groupsFor(caller, rows);
    return { count: all.length, results: rows.map((r) => releaseJson(r, groups)) };
  });
  app.get('/api/releases/:id/', { schema: { params: IdParams, response: { 200: Release, 404: Detail, 401: Detail } } }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const row = await releaseRows(caller).where('id', '=', Number(request.params.id)).executeTakeFirst();
    return row ? releaseJson(row, await groupsFor(caller, [row])) : sendProblem(reply, { code: 'NOT_FOUND', message: 'release not found' });
  });
  app.options('/api/releases/', async () => optionsMetadata('Release List', 'Data releases', [{ name: 'id', type: 'NumberFilter' }, { name: 'name', type: 'CharFilter' }], ['display_name', 'description'], ['id']));
  readOnly('/api/releases/');
  readOnly('/api/releases/:id/');

  app.post('/api/admin/releases/', {
    schema: {
      summary: 'Add a data release (admins)',
      body: Type.Object({
        name: Type.String({ maxLength: 64 }), display_name: Type.String({ maxLength: 255 }), description: Type.Optional(Type.String({ maxLength: 10000 })),
        indexing_column: Type.Optional(Type.String({ maxLength: 64 })), has_mag_hats: Type.Optional(Type.Boolean()), has_flux_hats: Type.Optional(Type.Boolean()),
        dereddening: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])), fluxes: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })), is_public: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      response: { 201: Release, 400: Detail, 403: Detail, 409: Detail },
    },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const b = request.body;
    const [releaseId] = await app.deps.allocateIds('release');
    const result = await app.deps.bus.execute(releaseDecider, streamName('release', b.name), {
      type: 'AddRelease', callerIsAdmin: caller.isAdmin,
      release: { releaseId: releaseId as number, name: b.name, displayName: b.display_name, description: b.description ?? '', indexingColumn: b.indexing_column ?? 'objectId', hasMagHats: b.has_mag_hats ?? false, hasFluxHats: b.has_flux_hats ?? false, dereddening: b.dereddening ?? null, fluxes: b.fluxes ?? [], isPublic: b.is_public ?? true },
    }, commandContext(request, caller));
    if (!result.ok) return sendProblem(reply, result.error);
    const row = await releaseRows().where('name', '=', b.name).executeTakeFirstOrThrow();
    return reply.code(201).send(releaseJson(row, await groupsFor(caller, [row])));
  });

  app.put('/api/releases/:id/access/', {
    schema: {
      summary: 'Who may see the release\'s products (admins): {"groups": [...]} restricts it to members of those groups (and each product\'s owner, and admins); [] makes it public. Applies at once',
      params: IdParams,
      body: Type.Object({ groups: Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 }) }, { additionalProperties: false }),
      response: { 200: Release, 400: Detail, 401: Detail, 403: Detail, 404: Detail },
    },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    if (!caller.isAdmin) return sendProblem(reply, { code: 'FORBIDDEN', message: 'only admins may change who sees a release' });
    const row = await releaseRows().where('id', '=', Number(request.params.id)).executeTakeFirst();
    if (!row) return sendProblem(reply, { code: 'NOT_FOUND', message: 'release not found' });
    const groups = request.body.groups;
    const result = await app.deps.bus.execute(releaseDecider, streamName('release', row.name), { type: 'SetReleaseAccess', callerIsAdmin: caller.isAdmin, groups, missingGroups: await missingGroups(db, groups) }, commandContext(request, caller));
    if (!result.ok) return sendProblem(reply, result.error);
    const updated = await releaseRows().where('id', '=', row.id).executeTakeFirstOrThrow();
    return releaseJson(updated, await groupsFor(caller, [updated]));
  });

  app.get('/api/users/', { schema: { summary: 'Users', querystring: ListQuery, response: { 200: Type.Object({ count: Type.Integer(), results: Type.Array(User) }), 400: Detail, 401: Detail } } }, async (request, reply) => {
    if (!requireUser(request, reply)) return reply;
    const page = readPage(request.query);
    if (isProblem(page)) return sendProblem(reply, page);
    const count = await db.selectFrom('users').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const rows = await db.selectFrom('users').select(['id', 'username', 'first_name', 'last_name']).orderBy('username').limit(page.limit).offset(page.offset).execute();
    return { count: Number(count.n), results: rows.map((u) => ({ ...u, display_name: `${u.first_name} ${u.last_name}`.trim() || u.username })) };
  });
  readOnly('/api/users/');
}
