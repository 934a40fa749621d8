import { createHash } from 'node:crypto';
import { err, ok, type MembershipSource, type PzEvent, type Result } from '@pz/contracts';
import type { Decider } from './aggregate';
import { domainError, type DomainError } from './domain-error';
import { checkText } from './product';

/**
 * A group of users (stream `group-<name>`): who is in it, and through what. A user may be a
 * member through an admin's decision and through the identity provider's claim at once; the two
 * memberships come and go separately (a login's claim never removes an admin's choice).
 */
export interface GroupState {
  readonly exists: boolean;
  readonly name: string;
  /** `<source>:<userId>` of every membership. */
  readonly memberships: ReadonlySet<string>;
}

export type GroupCommand =
  | { type: 'CreateGroup'; callerIsAdmin: boolean; name: string; description: string; source: MembershipSource }
  | { type: 'AddGroupMember'; callerIsAdmin: boolean; userId: number; source: MembershipSource }
  | { type: 'RemoveGroupMember'; callerIsAdmin: boolean; userId: number; source: MembershipSource };

/** Letters, digits and `_ . - : / @ +`: what identity providers put in group claims (Keycloak's `/a/b`, `org:team`). */
export const GROUP_NAME = /^[A-Za-z0-9_.:/@+-]{1,200}$/;

/**
 * The id of a group's stream (`group-<id>`): the name itself when stream ids may hold it
 * (letters, digits, `_ . -`), else `:` and the sha256 of the name, which no plain name can
 * equal (a plain name holds no `:`). Stream ids cannot hold `/`, `@` or `+`.
 */
export const groupStreamId = (name: string): string => (/^[A-Za-z0-9_.-]{1,200}$/.test(name) ? name : `:${createHash('sha256').update(name).digest('hex')}`);

const membership = (source: MembershipSource, userId: number) => `${source}:${userId}`;

const initialState = (): GroupState => ({ exists: false, name: '', memberships: new Set() });

function evolve(state: GroupState, event: PzEvent): GroupState {
  switch (event.type) {
    case 'GroupCreated':
      return { ...initialState(), exists: true, name: event.data.name };
    case 'GroupMemberAdded':
      return { ...state, memberships: new Set([...state.memberships, membership(event.data.source, event.data.userId)]) };
    case 'GroupMemberRemoved': {
      const memberships = new Set(state.memberships);
      memberships.delete(membership(event.data.source, event.data.userId));
      return { ...state, memberships };
    }
    default:
      return state;
  }
}

/**
 * Only admins change groups by hand; the identity provider's changes (source `identity_provider`)
 * are made by the service itself at login, with `callerIsAdmin` set by that code path. Adding a
 * membership that exists, or removing one that does not, decides nothing (idempotent).
 */
function decide(command: GroupCommand, state: GroupState): Result<PzEvent[], DomainError> {
  if (!command.callerIsAdmin) return err(domainError('FORBIDDEN', 'only admins may change groups'));
  if (command.type === 'CreateGroup') {
    if (state.exists) return err(domainError('ALREADY_EXISTS', `group "${command.name}" already exists`, 'name'));
    if (!GROUP_NAME.test(command.name)) return err(domainError('VALIDATION_FAILED', 'name must be 1-200 letters, digits or "_ . - : / @ +"', 'name'));
    const problem = checkText(command.description, 'description', { max: 2000 });
    if (problem) return err(problem);
    return ok([{ type: 'GroupCreated', data: { name: command.name, description: command.description, source: command.source } }]);
  }
  if (!state.exists) return err(domainError('NOT_FOUND', 'group not found'));
  const key = membership(command.source, command.userId);
  if (command.type === 'AddGroupMember') {
    return ok(state.memberships.has(key) ? [] : [{ type: 'GroupMemberAdded', data: { name: state.name, userId: command.userId, source: command.source } }]);
  }
  return ok(state.memberships.has(key) ? [{ type: 'GroupMemberRemoved', data: { name: state.name, userId: command.userId, source: command.source } }] : []);
}

export const groupDecider: Decider<GroupState, GroupCommand> = { initialState, evolve, decide };
