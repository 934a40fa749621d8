import { sql } from 'kysely';
import type { LogPosition } from '@pz/contracts';

/**
 * The catalogue projection's checkpoint as `commit/prepare`, read in the statement's own
 * snapshot, so that it names exactly the catalogue state the rest of the statement reads. Raw
 * SQL: the checkpoints table belongs to the projector, not to the catalogue's typed tables.
 */
export const catalogueCheckpoint = () => sql<string | null>`(SELECT commit_position::text || '/' || prepare_position::text FROM projection_checkpoints WHERE name = 'catalogue')`;

export function parseCheckpoint(text: string | null): LogPosition | null {
  const [commit, prepare] = text?.split('/') ?? [];
  return commit && prepare ? { commit: BigInt(commit), prepare: BigInt(prepare) } : null;
}
