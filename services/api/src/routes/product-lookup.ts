import type { FastifyReply, FastifyRequest } from 'fastify';
import { findProductRow, type ProductRow } from '../queries/product-rows';
import { sendProblem } from '../http/problem';
import { storableId } from '../http/storable-id';
import type { AppDeps } from '../deps';
import type { AuthenticatedCaller } from '../auth/authenticate';

/**
 * A product the caller may see: any non-deleted product, and a deleted one only for its owner
 * or an admin. Sends the 404 itself and returns null otherwise.
 */
export async function visibleProduct(deps: AppDeps, caller: AuthenticatedCaller, id: string | number, reply: FastifyReply): Promise<ProductRow | null> {
  const n = typeof id === 'number' ? id : Number(id);
  const row = storableId(n) ? await findProductRow(deps.catalogue, n) : undefined;
  if (!row || (row.status === 2 && !caller.isAdmin && caller.userId !== row.owner_id)) {
    await sendProblem(reply, { code: 'NOT_FOUND', message: `product ${id} not found` });
    return null;
  }
  return row;
}

export type { FastifyRequest };
