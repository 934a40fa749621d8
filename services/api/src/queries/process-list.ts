import type { Kysely } from 'kysely';
import type { CatalogueTables } from '@pz/projections';
import type { AuthenticatedCaller } from '../auth/authenticate';
import type { Page } from '../http/pagination';

export const PROCESS_STATUSES = ['Pending', 'Running', 'Successful', 'Failed', 'Stopped'] as const;

export interface ProcessListQuery {
  /** Statuses to keep (any of them); empty: all. */
  readonly statuses: readonly string[];
  /** The pipeline's name; null: all. */
  readonly pipeline: string | null;
}

/**
 * The processes a list shows, newest first: the caller's own runs (an admin's list: everyone's),
 * found through their output products (`process_id`, `process_status`, `origin` = the pipeline).
 * A run is its output's owner's; an output registered without its run ever recorded (a crash
 * between the two) has no status and is left out.
 */
export async function listProcessIds(db: Kysely<CatalogueTables>, caller: AuthenticatedCaller, query: ProcessListQuery, page: Page): Promise<{ count: number; processIds: number[] }> {
  let base = db.selectFrom('products').where('process_id', 'is not', null).where('process_status', 'is not', null);
  if (!caller.isAdmin) base = base.where('owner_id', '=', caller.userId);
  if (query.statuses.length > 0) base = base.where('process_status', 'in', [...query.statuses]);
  if (query.pipeline !== null) base = base.where('origin', '=', query.pipeline);
  const [counted, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirst(),
    base.select('process_id').orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute(),
  ]);
  return { count: Number(counted?.count ?? 0), processIds: rows.map((r) => Number(r.process_id)) };
}
