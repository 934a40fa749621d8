import { err, ok, type PzEvent, type Result } from '@pz/contracts';
import type { Decider } from './aggregate';
import { domainError, type DomainError } from './domain-error';
import { checkText } from './product';

export interface UserState {
  readonly exists: boolean;
  readonly userId: number;
  readonly username: string;
  readonly isAdmin: boolean;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly activeTokenIds: readonly string[];
}

export type UserCommand =
  | {
      type: 'RegisterUser'; userId: number; username: string; firstName: string; lastName: string; email: string; passwordHash: string; isAdmin: boolean;
      /** An existing username equal to this one but for case (from the read model), if any: look-alikes are refused. */
      takenAs?: string | null;
    }
  | { type: 'ChangePassword'; passwordHash: string }
  /** Records the name and email given (by the identity provider at a login) when they differ from the user's. */
  | { type: 'UpdateProfile'; firstName: string; lastName: string; email: string }
  | { type: 'SetAdminRole'; isAdmin: boolean; callerIsAdmin: boolean }
  /** Issues a new personal token and revokes every earlier one: a user has one token at a time. */
  | { type: 'IssueApiToken'; tokenId: string; tokenHash: string }
  | { type: 'RevokeApiToken'; tokenId: string };

export const USERNAME = /^[A-Za-z0-9_.-]{2,150}$/;

const initialState = (): UserState => ({ exists: false, userId: 0, username: '', isAdmin: false, firstName: '', lastName: '', email: '', activeTokenIds: [] });

function evolve(state: UserState, event: PzEvent): UserState {
  switch (event.type) {
    case 'UserRegistered':
      return { ...initialState(), exists: true, userId: event.data.userId, username: event.data.username, isAdmin: event.data.isAdmin, firstName: event.data.firstName, lastName: event.data.lastName, email: event.data.email };
    case 'UserProfileChanged':
      return { ...state, firstName: event.data.firstName, lastName: event.data.lastName, email: event.data.email };
    case 'UserAdminRoleChanged':
      return { ...state, isAdmin: event.data.isAdmin };
    case 'ApiTokenIssued':
      return { ...state, activeTokenIds: [...state.activeTokenIds.filter((t) => t !== event.data.replacesTokenId), event.data.tokenId] };
    case 'ApiTokenRevoked':
      return { ...state, activeTokenIds: state.activeTokenIds.filter((t) => t !== event.data.tokenId) };
    default:
      return state;
  }
}

const profileProblem = (profile: { firstName: string; lastName: string; email: string }): DomainError | null =>
  checkText(profile.firstName, 'first_name', { max: 150 }) ?? checkText(profile.lastName, 'last_name', { max: 150 }) ?? checkText(profile.email, 'email', { max: 254 });

function decide(command: UserCommand, state: UserState): Result<PzEvent[], DomainError> {
  if (command.type === 'RegisterUser') {
    if (state.exists) return err(domainError('ALREADY_EXISTS', `the username "${command.username}" is taken`, 'username'));
    if (command.takenAs) return err(domainError('ALREADY_EXISTS', `the username "${command.username}" is taken (as "${command.takenAs}": usernames differing only in case are one name)`, 'username'));
    if (!USERNAME.test(command.username)) {
      return err(domainError('VALIDATION_FAILED', 'username must be 2-150 letters, digits, ".", "_" or "-"', 'username'));
    }
    const problem = profileProblem(command);
    if (problem) return err(problem);
    const { type: _type, takenAs: _takenAs, ...data } = command;
    return ok([{ type: 'UserRegistered', data }]);
  }
  if (!state.exists) return err(domainError('NOT_FOUND', 'user not found'));
  const userId = state.userId;
  switch (command.type) {
    case 'ChangePassword':
      return ok([{ type: 'UserPasswordChanged', data: { userId, passwordHash: command.passwordHash } }]);
    case 'UpdateProfile': {
      const problem = profileProblem(command);
      if (problem) return err(problem);
      const { firstName, lastName, email } = command;
      if (firstName === state.firstName && lastName === state.lastName && email === state.email) return ok([]);
      return ok([{ type: 'UserProfileChanged', data: { userId, firstName, lastName, email } }]);
    }
    case 'SetAdminRole':
      if (!command.callerIsAdmin) return err(domainError('FORBIDDEN', 'only admins may change roles'));
      if (command.isAdmin === state.isAdmin) return ok([]);
      return ok([{ type: 'UserAdminRoleChanged', data: { userId, isAdmin: command.isAdmin } }]);
    case 'IssueApiToken': {
      const [current, ...older] = [...state.activeTokenIds].reverse();
      const events: PzEvent[] = older.map((tokenId) => ({ type: 'ApiTokenRevoked', data: { userId, tokenId } }));
      events.push({ type: 'ApiTokenIssued', data: { userId, tokenId: command.tokenId, tokenHash: command.tokenHash, replacesTokenId: current ?? null } });
      return ok(events);
    }
    case 'RevokeApiToken':
      if (!state.activeTokenIds.includes(command.tokenId)) return err(domainError('NOT_FOUND', 'no such active token'));
      return ok([{ type: 'ApiTokenRevoked', data: { userId, tokenId: command.tokenId } }]);
  }
}

export const userDecider: Decider<UserState, UserCommand> = { initialState, evolve, decide };
