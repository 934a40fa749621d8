import { Type } from 'typebox';
import { formatPosition, streamName } from '@pz/contracts';
import { requireUser, type AuthenticatedCaller } from '../auth/authenticate';
import type { PzApp } from '../http/app-types';
import { PaginationQuery, isProblem, readPage } from '../http/pagination';
import { sendProblem } from '../http/problem';
import { parseMoment, snapshotAt, type Moment } from '../history/as-of';
import { catalogueAsOf } from '../history/catalogue-as-of';
import { productHistory, type HistoryEntry } from '../history/product-history';
import type { ProductSnapshot } from '../history/product-snapshot';
import { visibleProductIds } from '../visibility/product-visibility';
import { Detail } from './schemas';
import { visibleProduct } from './product-lookup';

const IdParams = Type.Object({ id: Type.String({ pattern: '^\\d{1,9}$' }) });
const AtQuery = Type.Object({ at: Type.String({ description: 'a global log position `<commit>:<prepare>` (as in history entries and SSE ids), or an ISO-8601 instant' }) });
const Json = Type.Record(Type.String(), Type.Unknown());

/** Share ids and expiries are for those who manage the product's links (its owner and admins). */
const managesShares = (caller: AuthenticatedCaller, ownerId: number) => caller.isAdmin || caller.userId === ownerId;
const withoutShares = (s: ProductSnapshot): Omit<ProductSnapshot, 'shares'> => {
  const { shares: _shares, ...rest } = s;
  return rest;
};
const entryFor = (entry: HistoryEntry, shares: boolean): HistoryEntry => (shares ? entry : { ...entry, diff: { ...entry.diff, shares_added: [], shares_revoked: [] } });

function momentOf(text: string): Moment | { code: 'VALIDATION_FAILED'; message: string; field: string } {
  return parseMoment(text) ?? { code: 'VALIDATION_FAILED', message: `at must be a log position (<commit>:<prepare>) or an ISO-8601 instant, not "${text.slice(0, 60)}"`, field: 'at' };
}

/** A product's history (events with per-event diffs) and time travel (a product, or the catalogue, as of a moment). */
export async function historyRoutes(app: PzApp): Promise<void> {
  const { deps } = app;

  app.get('/api/products/:id/history/', {
    schema: { summary: 'A product\'s events, oldest first: actor, time, global position and what each changed (fields, files with hashes, column roles, shares without keys, official flag)', params: IdParams, response: { 200: Type.Object({ product_id: Type.Integer(), count: Type.Integer(), results: Type.Array(Json) }), 401: Detail, 404: Detail } },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const row = await visibleProduct(deps, caller, request.params.id, reply);
    if (!row) return reply;
    const events = await deps.store.readStream(streamName('product', row.id));
    const shares = managesShares(caller, row.owner_id);
    const results = productHistory(events).map((e) => entryFor(e, shares));
    return { product_id: row.id, count: results.length, results };
  });

  app.get('/api/products/:id/as-of/', {
    schema: { summary: 'A product (metadata, files, column mapping, flags) as it was at a log position or an instant, computed from its events', params: IdParams, querystring: AtQuery, response: { 200: Json, 400: Detail, 401: Detail, 404: Detail } },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const moment = momentOf(request.query.at);
    if ('code' in moment) return sendProblem(reply, moment);
    const row = await visibleProduct(deps, caller, request.params.id, reply);
    if (!row) return reply;
    const { snapshot, last } = snapshotAt(await deps.store.readStream(streamName('product', row.id)), moment);
    if (!snapshot || !last) return sendProblem(reply, { code: 'NOT_FOUND', message: `product ${row.id} did not exist yet at ${request.query.at}` });
    return {
      at: request.query.at,
      revision: Number(last.revision),
      position: formatPosition(last.position),
      recorded_at: last.metadata.recordedAt,
      product: managesShares(caller, row.owner_id) ? snapshot : withoutShares(snapshot),
    };
  });

  app.get('/api/products/as-of/', {
    schema: {
      summary: 'The catalogue as it was at a log position or an instant: the products then registered and not deleted, that the caller may see now (reads the log from its start)',
      querystring: Type.Object({ ...AtQuery.properties, ...PaginationQuery }),
      response: { 200: Type.Object({ at: Type.String(), count: Type.Integer(), results: Type.Array(Json) }), 400: Detail, 401: Detail },
    },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const moment = momentOf(request.query.at);
    if ('code' in moment) return sendProblem(reply, moment);
    const page = readPage(request.query);
    if (isProblem(page)) return sendProblem(reply, page);
    const then = [...(await catalogueAsOf(deps.store, moment)).values()].filter((p) => p.status !== 2);
    const visible = await visibleProductIds(deps.catalogue, caller, then.map((p) => p.id));
    const shown = then.filter((p) => visible.has(p.id)).sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id);
    return { at: request.query.at, count: shown.length, results: shown.slice(page.offset, page.offset + page.limit).map(withoutShares) };
  });
}
