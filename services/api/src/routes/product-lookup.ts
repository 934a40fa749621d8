import type { FastifyReply, FastifyRequest } from 'fastify';
import { productRowsQuery, type ProductRow } from '../queries/product-rows';
import { visibleProductsWhere } from '../visibility/product-visibility';
import { sendProblem } from '../http/problem';
import { storableId } from '../http/storable-id';
import type { AppDeps } from '../deps';
import type { AuthenticatedCaller } from '../auth/authenticate';

/**
 * A product the caller may see (visibility/product-visibility.ts: the one rule). Sends the 404
 * itself and returns null otherwise, exactly as for a product that does not exist.
 */
export async function visibleProduct(deps: AppDeps, caller: AuthenticatedCaller, id: string | number, reply: FastifyReply): Promise<ProductRow | null> {
  const n = typeof id === 'number' ? id : Number(id);
  const row = storableId(n)
    ? await productRowsQuery(deps.catalogue).where('products.id', '=', n).where(visibleProductsWhere(caller, { includeDeleted: true })).executeTakeFirst()
    : undefined;
  if (!row) {
    await sendProblem(reply, { code: 'NOT_FOUND', message: `product ${id} not found` });
    return null;
  }
  return row;
}

export type { FastifyRequest };
