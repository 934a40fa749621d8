import { Type } from 'typebox';
import { streamName } from '@pz/contracts';
import { productDecider } from '@pz/domain';
import { commandContext, domainCaller, requireUser } from '../auth/authenticate';
import type { PzApp } from '../http/app-types';
import { optionsMetadata } from '../http/options-metadata';
import { ListSchema, PaginationQuery, isProblem, readPage } from '../http/pagination';
import { sendProblem } from '../http/problem';
import { resolveColumnAssociation } from '../registry/column-association';
import {
  PRODUCT_CONTENT_FILTERS,
  PRODUCT_CONTENT_ORDERING,
  findProductContent,
  listProductContents,
  parseProductContentQuery,
  productContentJson,
} from '../registry/product-contents-query';
import { ProductContentSchema } from '../registry/schemas';
import { Detail } from './schemas';

const IdParams = Type.Object({ id: Type.String({ pattern: '^\\d{1,9}$' }) });
const ListQuery = Type.Object({
  ...PaginationQuery,
  id: Type.Optional(Type.String()),
  product: Type.Optional(Type.String()),
  product_id: Type.Optional(Type.String()),
  ordering: Type.Optional(Type.String()),
});
// Form bodies carry strings only; JSON may say null. Both mean "clear" when empty.
const AssociationBody = Type.Object({
  ucd: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
  alias: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
}, { additionalProperties: false });

/**
 * `/api/product-contents/`: the columns registry found in each main file, and their association
 * with the column roles (PATCH). Rows are created and removed by registry only.
 */
export async function productContentsRoutes(app: PzApp): Promise<void> {
  const { deps } = app;
  const db = deps.catalogue;
  const refuse = (url: string, methods: ('POST' | 'PUT' | 'DELETE')[]) =>
    app.route({
      method: methods,
      url,
      schema: { hide: true },
      handler: async (_request, reply) => sendProblem(reply, { code: 'METHOD_NOT_ALLOWED', message: 'product contents are created by registry; only PATCH of ucd and alias is allowed' }),
    });

  app.get('/api/product-contents/', {
    schema: { summary: 'Columns of registered main files (filters: product, id; ordering: id, order)', querystring: ListQuery, response: { 200: ListSchema(ProductContentSchema), 400: Detail, 401: Detail } },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const page = readPage(request.query);
    if (isProblem(page)) return sendProblem(reply, page);
    const query = parseProductContentQuery(request.query);
    if (isProblem(query)) return sendProblem(reply, query);
    const { count, rows } = await listProductContents(db, caller, query, page);
    return { count, results: rows.map(productContentJson) };
  });

  app.options('/api/product-contents/', { schema: { summary: 'Filter and ordering metadata of the product-contents list' } }, async () =>
    optionsMetadata('Product Content List', 'Columns of registered main files', PRODUCT_CONTENT_FILTERS, [], [...PRODUCT_CONTENT_ORDERING]),
  );

  app.get('/api/product-contents/:id/', { schema: { summary: 'One column', params: IdParams, response: { 200: ProductContentSchema, 401: Detail, 404: Detail } } }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const row = await findProductContent(db, caller, Number(request.params.id));
    return row ? productContentJson(row) : sendProblem(reply, { code: 'NOT_FOUND', message: `product content ${request.params.id} not found` });
  });

  app.patch('/api/product-contents/:id/', {
    schema: {
      summary: 'Associate a column with a role (owner or admin): alias one of ID, RA, Dec, z, z_err, z_flag, survey sets its UCD, and a role\'s UCD sets its alias; an empty value clears',
      params: IdParams,
      body: AssociationBody,
      response: { 200: ProductContentSchema, 400: Detail, 401: Detail, 403: Detail, 404: Detail, 409: Detail },
    },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const row = await findProductContent(db, caller, Number(request.params.id));
    if (!row) return sendProblem(reply, { code: 'NOT_FOUND', message: `product content ${request.params.id} not found` });
    if (!caller.isAdmin && caller.userId !== row.owner_id) return sendProblem(reply, { code: 'FORBIDDEN', message: 'only the owner of this product or an admin may change its column associations' });
    const wanted = resolveColumnAssociation(row, request.body.ucd, request.body.alias);
    if (isProblem(wanted)) return sendProblem(reply, wanted);
    if (wanted.alias !== null) {
      const holder = await db
        .selectFrom('product_contents')
        .select(['column_name', 'associated_by'])
        .where('product_id', '=', row.product_id)
        .where('alias', '=', wanted.alias)
        .where('id', '!=', row.id)
        .executeTakeFirst();
      // A role registry only suggested for another column moves here (the decider clears it there).
      if (holder && holder.associated_by !== 'suggestion') return sendProblem(reply, { code: 'VALIDATION_FAILED', message: `alias ${wanted.alias} is already given to column "${holder.column_name}"; clear it there first`, field: 'alias' });
    }
    // Sending a suggestion's own values back confirms it: the owner's choice from then on.
    if (wanted.ucd !== row.ucd || wanted.alias !== row.alias || row.associated_by === 'suggestion') {
      const result = await deps.bus.execute(productDecider, streamName('product', row.product_id), {
        type: 'AssociateColumn', caller: domainCaller(caller), columnName: row.column_name, ucd: wanted.ucd, alias: wanted.alias,
      }, commandContext(request, caller));
      if (!result.ok) return sendProblem(reply, result.error);
    }
    const updated = await findProductContent(db, caller, row.id);
    if (!updated) return sendProblem(reply, { code: 'NOT_FOUND', message: `product content ${row.id} was removed by a new registry` });
    return productContentJson(updated);
  });

  refuse('/api/product-contents/', ['POST', 'PUT', 'DELETE']);
  refuse('/api/product-contents/:id/', ['POST', 'PUT', 'DELETE']);
}
