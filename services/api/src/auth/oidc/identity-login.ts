import { createHash } from 'node:crypto';
import { err, ok, streamName, type Result } from '@pz/contracts';
import { domainError, identityDecider, userDecider, type DomainError } from '@pz/domain';
import type { CommandContext } from '../../commands/command-context';
import type { AppDeps } from '../../deps';
import { usernameTwin } from '../username-twin';
import { profileFromClaims, usernameCandidate, usernameWish } from './identity-claims';
import type { VerifiedIdentity } from './identity-provider';

export type IdentityLoginDeps = Pick<AppDeps, 'bus' | 'allocateIds' | 'catalogue'>;

export interface IdentityUser {
  readonly userId: number;
  readonly username: string;
  /** True on the login that created the account. */
  readonly created: boolean;
}

/** `identity-<sha256>`: the identity's stream, one per (issuer, subject) whatever characters they hold. */
export const identityStream = (issuer: string, subject: string): string =>
  streamName('identity', createHash('sha256').update(`${issuer}\n${subject}`).digest('hex'));

/** How many usernames a new account tries (`vera`, `vera-2`…) before giving up. */
const MAX_USERNAME_TRIES = 50;
const MAX_ROUNDS = 5;

/**
 * The account an identity logs in as: the one its link names, or a new one made from the
 * claims on its first login (`IdentityLinked`, then `UserRegistered` without a password). The
 * link, in the identity's own stream, is what makes two first logins at once create one account,
 * and it is the only way in: an existing account is never taken because its name matches the
 * claims (that would hand a local account to whoever the provider calls by the same name).
 * Name and email are refreshed from the claims at every login, as an event when they changed.
 */
export async function signInWithIdentity(deps: IdentityLoginDeps, identity: VerifiedIdentity, context: (user: { userId: number; username: string }) => CommandContext): Promise<Result<IdentityUser, DomainError>> {
  const stream = identityStream(identity.issuer, identity.subject);
  const profile = profileFromClaims(identity.claims);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { state } = await deps.bus.load(identityDecider, stream);
    const linked = state.link;
    if (linked) {
      const userStream = streamName('user', linked.username);
      let user = await deps.bus.load(userDecider, userStream);
      if (!user.state.exists) {
        // A first login stopped between the link and the registration (or one is running now): finish it.
        const registered = await register(deps, linked, profile, context(linked));
        if (registered.ok) return ok({ ...linked, created: true });
        if (registered.error.code !== 'ALREADY_EXISTS') return registered;
        user = await deps.bus.load(userDecider, userStream);
      }
      if (user.state.exists && user.state.userId === linked.userId) {
        const refreshed = await deps.bus.execute(userDecider, userStream, { type: 'UpdateProfile', ...profile }, context(linked));
        if (!refreshed.ok) return refreshed;
        return ok({ ...linked, created: false });
      }
    }
    // No account yet (or the one the link named lost its username to another in between).
    const username = await freeUsername(deps, usernameWish(identity.claims));
    if (username === null) return err(domainError('CONFLICT', 'no free username could be found for this identity'));
    const [userId] = await deps.allocateIds('user');
    const next = { userId: userId as number, username };
    const link = await deps.bus.execute(identityDecider, stream, {
      type: 'LinkIdentity', issuer: identity.issuer, subject: identity.subject, ...next, replaces: linked?.userId ?? null,
    }, context(next));
    // Another login of the same identity linked it first: use its account.
    if (!link.ok && link.error.code === 'ALREADY_EXISTS') continue;
    if (!link.ok) return link;
    const registered = await register(deps, next, profile, context(next));
    if (registered.ok) return ok({ ...next, created: true });
    if (registered.error.code !== 'ALREADY_EXISTS') return registered;
    // The name was taken in between: the next round finds the link unregistered and moves it.
  }
  return err(domainError('CONFLICT', 'this identity is being signed in by many logins at once; try again'));
}

async function register(deps: IdentityLoginDeps, user: { userId: number; username: string }, profile: ReturnType<typeof profileFromClaims>, context: CommandContext): Promise<Result<unknown, DomainError>> {
  return deps.bus.execute(userDecider, streamName('user', user.username), {
    // No password: such an account signs in only through its identity provider (an empty digest matches none).
    type: 'RegisterUser', userId: user.userId, username: user.username, ...profile, passwordHash: '', isAdmin: false,
    takenAs: await usernameTwin(deps.catalogue, user.username),
  }, context);
}

/** The first candidate no account holds, in any case (read model) or in its stream (not yet projected). */
async function freeUsername(deps: IdentityLoginDeps, wish: string): Promise<string | null> {
  for (let attempt = 0; attempt < MAX_USERNAME_TRIES; attempt++) {
    const candidate = usernameCandidate(wish, attempt);
    if ((await usernameTwin(deps.catalogue, candidate)) !== null) continue;
    if ((await deps.bus.load(userDecider, streamName('user', candidate))).state.exists) continue;
    return candidate;
  }
  return null;
}
