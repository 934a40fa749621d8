import { err, ok, type PzEvent, type Result } from '@pz/contracts';
import type { Decider } from './aggregate';
import { domainError, type DomainError } from './domain-error';

/** An identity at an OpenID Connect provider, one stream each: whom it logs in as. */
export interface IdentityState {
  readonly link: { readonly userId: number; readonly username: string } | null;
}

export type IdentityCommand = {
  type: 'LinkIdentity'; issuer: string; subject: string; userId: number; username: string;
  /**
   * Set by the handler when the user the current link names was never registered (a first login
   * interrupted between the link and the registration, or its username taken in between): only
   * then may a link be replaced, so an identity never moves from one real account to another.
   */
  replacesUnregistered: boolean;
};

const initialState = (): IdentityState => ({ link: null });

function evolve(state: IdentityState, event: PzEvent): IdentityState {
  return event.type === 'IdentityLinked' ? { link: { userId: event.data.userId, username: event.data.username } } : state;
}

function decide(command: IdentityCommand, state: IdentityState): Result<PzEvent[], DomainError> {
  if (state.link && !command.replacesUnregistered) {
    return err(domainError('ALREADY_EXISTS', `this identity already logs in as "${state.link.username}"`));
  }
  const { issuer, subject, userId, username } = command;
  return ok([{ type: 'IdentityLinked', data: { issuer, subject, userId, username } }]);
}

export const identityDecider: Decider<IdentityState, IdentityCommand> = { initialState, evolve, decide };
