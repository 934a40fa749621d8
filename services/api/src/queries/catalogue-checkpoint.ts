import { sql, type RawBuilder } from 'kysely';
import type { LogPosition } from '@pz/contracts';

/** A log position kept as two columns, as `commit/prepare` text (parseCheckpoint reads it back). */
const positionText = (rowOf: RawBuilder<unknown>) => sql<string | null>`(SELECT commit_position::text || '/' || prepare_position::text FROM ${rowOf})`;

/**
 * The catalogue projection's checkpoint, read in the statement's own snapshot, so that it names
 * exactly the catalogue state the rest of the statement reads. Raw SQL: the checkpoints table
 * belongs to the projector, not to the catalogue's typed tables.
 */
export const catalogueCheckpoint = () => positionText(sql`projection_checkpoints WHERE name = 'catalogue'`);

/** Where the last change a product list could see happened (the catalogue's one-row `catalogue_listing_changes`). */
export const lastListingChange = () => positionText(sql`catalogue_listing_changes WHERE id = 1`);

export function parseCheckpoint(text: string | null): LogPosition | null {
  const [commit, prepare] = text?.split('/') ?? [];
  return commit && prepare ? { commit: BigInt(commit), prepare: BigInt(prepare) } : null;
}
