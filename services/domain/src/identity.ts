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
   * The user id of the current link, when the handler found that its account was never
   * registered under it (a first login interrupted between the link and the registration, or its
   * username taken in between); null for a first link. A link is replaced only when it is still
   * that one, so an identity never moves away from an account another login just finished.
   */
  replaces: number | null;
};

const initialState = (): IdentityState => ({ link: null });

function evolve(state: IdentityState, event: PzEvent): IdentityState {
  return event.type === 'IdentityLinked' ? { link: { userId: event.data.userId, username: event.data.username } } : state;
}

function decide(command: IdentityCommand, state: IdentityState): Result<PzEvent[], DomainError> {
  if (state.link && state.link.userId !== command.replaces) {
    return err(domainError('ALREADY_EXISTS', `this identity already logs in as "${state.link.username}"`));
  }
  const { issuer, subject, userId, username } = command;
  return ok([{ type: 'IdentityLinked', data: { issuer, subject, userId, username } }]);
}

export const identityDecider: Decider<IdentityState, IdentityCommand> = { initialState, evolve, decide };
