import type { Kysely } from 'kysely';
import type { CatalogueTables, Projector } from '@pz/projections';
import { catalogueCheckpoint, parseCheckpoint } from '../queries/catalogue-checkpoint';
import { PositionBoundCache } from '../queries/position-bound-cache';
import { equalInConstantTime } from './secrets';

/** Whom an active API token signs in. */
export interface TokenCaller {
  readonly tokenId: string;
  readonly userId: number;
  readonly username: string;
  readonly isAdmin: boolean;
}

/**
 * Finds the user of an API token by the token's sha256. Tokens and users are catalogue read
 * models, written only by the projector, so the answer is kept for the catalogue position it
 * was read at (PositionBoundCache): a notebook's burst of requests is authenticated from memory,
 * and any catalogue change (a revoked or replaced token, a user made admin, anything else) makes
 * the next lookup read again. Unknown hashes are never kept: they cannot fill the memory.
 */
export class TokenCallers {
  private readonly kept = new PositionBoundCache<TokenCaller>(10_000);

  constructor(
    private readonly catalogue: Kysely<CatalogueTables>,
    private readonly projector: Pick<Projector, 'status'>,
  ) {}

  async find(tokenHash: string): Promise<TokenCaller | null> {
    const current = this.projector.status().position;
    const known = this.kept.get(tokenHash, current);
    if (known) return known;
    const row = await this.catalogue
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select(['api_tokens.token_id', 'api_tokens.token_hash', 'users.id', 'users.username', 'users.is_admin', catalogueCheckpoint().as('checkpoint')])
      .where('api_tokens.token_hash', '=', tokenHash)
      .where('api_tokens.active', '=', true)
      .executeTakeFirst();
    if (!row || !equalInConstantTime(row.token_hash, tokenHash)) return null;
    const caller: TokenCaller = { tokenId: row.token_id, userId: row.id, username: row.username, isAdmin: row.is_admin };
    this.kept.put(tokenHash, caller, parseCheckpoint(row.checkpoint), current);
    return caller;
  }
}
