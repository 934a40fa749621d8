import { Type } from 'typebox';
import { requireUser } from '../auth/authenticate';
import type { PzApp } from '../http/app-types';
import { sendProblem } from '../http/problem';
import { streamName, type RecordedEvent } from '@pz/contracts';
import { lineageView, provenanceGraph, type LineageDbs } from '../provenance/provenance-graph';
import { provJson, type ProvJson } from '../provenance/prov-json';
import { provN } from '../provenance/prov-n';
import { provO } from '../provenance/prov-o';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MAX_DEPTH, type Direction } from '../provenance/lineage-query';
import { Detail } from './schemas';
import { visibleProduct } from './product-lookup';

const IdParams = Type.Object({ id: Type.String({ pattern: '^\\d{1,9}$' }) });
const GraphQuery = Type.Object({
  direction: Type.Optional(Type.Union([Type.Literal('ancestors'), Type.Literal('descendants'), Type.Literal('both')], { description: 'default both' })),
  depth: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_DEPTH, description: 'steps to walk; absent: any depth' })),
});

const Node = Type.Object({
  node_id: Type.String({ description: '`product-<id>`, or `redacted-<n>` for a product the caller may not see' }),
  redacted: Type.Boolean(),
  depth: Type.Integer({ description: 'shortest number of derivation steps from the product asked about' }),
  product_id: Type.Optional(Type.Integer()),
  internal_name: Type.Optional(Type.String()),
  display_name: Type.Optional(Type.String()),
  product_type: Type.Optional(Type.String()),
  owner: Type.Optional(Type.String()),
  official_product: Type.Optional(Type.Boolean()),
  status: Type.Optional(Type.Integer()),
});
const Edge = Type.Object({ from: Type.String({ description: 'the derived product' }), to: Type.String({ description: 'what it was derived from' }), relation: Type.Literal('wasDerivedFrom'), via: Type.Union([Type.Literal('declared'), Type.Literal('run')]), run_id: Type.Union([Type.String(), Type.Null()]) });
const Run = Type.Object({
  run_id: Type.String(), pipeline: Type.String(), pipeline_version: Type.String(), display_name: Type.String(), status: Type.String(),
  used: Type.Array(Type.String()), generated: Type.Union([Type.String(), Type.Null()]),
  requested_at: Type.String(), started_at: Type.Union([Type.String(), Type.Null()]), ended_at: Type.Union([Type.String(), Type.Null()]), agent: Type.Union([Type.String(), Type.Null()]),
});
export const GraphSchema = Type.Object({
  product_id: Type.Integer(),
  direction: Type.String(),
  depth: Type.Union([Type.Integer(), Type.Null()]),
  nodes: Type.Array(Node),
  edges: Type.Array(Edge),
  runs: Type.Array(Run),
});

/** A text answer (the reply's typed schema names only errors). */
const sendText = (reply: FastifyReply, text: string): FastifyReply => reply.send(text);

/** Products one PROV export may describe (each is a stream read). */
const MAX_EXPORTED_PRODUCTS = 500;

/** Where the lineage queries read: the catalogue (visibility, names) and the provenance model. */
export const lineageDbs = (app: PzApp): LineageDbs => ({ catalogue: app.deps.catalogue, provenance: app.deps.provenance });

/** `/api/products/<id>/provenance/`: ancestors and descendants, to any depth, as nodes and edges. */
export async function provenanceRoutes(app: PzApp): Promise<void> {
  const dbs = lineageDbs(app);
  app.get('/api/products/:id/provenance/', {
    schema: { summary: 'A product\'s lineage: what it was derived from and what derives from it (products the caller may not see appear as redacted nodes)', params: IdParams, querystring: GraphQuery, response: { 200: GraphSchema, 400: Detail, 401: Detail, 404: Detail } },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const row = await visibleProduct(app.deps, caller, request.params.id, reply);
    if (!row) return reply;
    const direction: Direction = request.query.direction ?? 'both';
    if (request.query.depth !== undefined && request.query.depth < 1) return sendProblem(reply, { code: 'VALIDATION_FAILED', message: 'depth must be at least 1', field: 'depth' });
    return provenanceGraph(dbs, caller, row.id, direction, request.query.depth ?? null);
  });

  /** The PROV document of a product's lineage, or null when a 4xx was sent. */
  const provDocument = async (request: FastifyRequest<{ Params: { id: string }; Querystring: { direction?: Direction; depth?: number } }>, reply: FastifyReply): Promise<ProvJson | null> => {
    const caller = requireUser(request, reply);
    if (!caller) return null;
    const row = await visibleProduct(app.deps, caller, request.params.id, reply);
    if (!row) return null;
    const view = await lineageView(dbs, caller, row.id, request.query.direction ?? 'both', request.query.depth ?? null);
    if (view.visible.size > MAX_EXPORTED_PRODUCTS) {
      await sendProblem(reply, { code: 'VALIDATION_FAILED', message: `the lineage holds ${view.visible.size} products, more than the ${MAX_EXPORTED_PRODUCTS} one export may hold; ask for fewer with depth or direction`, field: 'depth' });
      return null;
    }
    const products = new Map<number, RecordedEvent[]>();
    for (const id of view.visible) products.set(id, await app.deps.store.readStream(streamName('product', id)));
    const ownerIds = [...products.values()].flatMap((events) => events.filter((e) => e.type === 'ProductRegistered').map((e) => (e.data as { ownerId: number }).ownerId));
    const agents = view.graph.runs.flatMap((r) => (r.agent ? [r.agent] : []));
    const users = ownerIds.length || agents.length
      ? await app.deps.catalogue.selectFrom('users').select(['id', 'username']).where((eb) => eb.or([eb('id', 'in', [0, ...ownerIds]), eb('username', 'in', ['', ...agents])])).execute()
      : [];
    return provJson({ namespace: `${app.deps.config.publicUrl}/api/prov/`, products, nodeIds: view.nodeIds, edges: view.edges, runs: view.graph.runs, users: new Map(users.map((u) => [u.id, u.username])) });
  };

  app.get('/api/products/:id/provenance/prov-json/', {
    schema: {
      summary: `The lineage as W3C PROV-JSON: product versions (with content hashes) are entities, uploads/edits/pipeline runs activities, users agents; products the caller may not see are \`pz:redacted-<n>\` entities. At most ${MAX_EXPORTED_PRODUCTS} products; narrow with depth`,
      params: IdParams, querystring: GraphQuery, response: { 200: Type.Record(Type.String(), Type.Unknown(), { description: 'a PROV-JSON document' }), 400: Detail, 401: Detail, 404: Detail },
    },
  }, async (request, reply) => (await provDocument(request, reply)) ?? reply);

  app.get('/api/products/:id/provenance/prov-n/', {
    schema: { summary: 'The same lineage in PROV-N (text/provenance-notation)', params: IdParams, querystring: GraphQuery, response: { 400: Detail, 401: Detail, 404: Detail } },
  }, async (request, reply) => {
    const doc = await provDocument(request, reply);
    if (!doc) return reply;
    return sendText(reply.type('text/provenance-notation; charset=utf-8'), provN(doc));
  });

  app.get('/api/products/:id/provenance/prov-o/', {
    schema: { summary: 'The same lineage in PROV-O, as Turtle (text/turtle)', params: IdParams, querystring: GraphQuery, response: { 400: Detail, 401: Detail, 404: Detail } },
  }, async (request, reply) => {
    const doc = await provDocument(request, reply);
    if (!doc) return reply;
    return sendText(reply.type('text/turtle; charset=utf-8'), provO(doc));
  });
}
