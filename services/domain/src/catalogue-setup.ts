import { err, ok, type EventData, type PzEvent, type Result } from '@pz/contracts';
import type { Decider } from './aggregate';
import { domainError, type DomainError } from './domain-error';
import { checkText } from './product';

/** Releases and product types: created once, named uniquely by their stream. */
export interface NamedEntityState {
  readonly exists: boolean;
}

/** A release: whether it exists, and the groups its products are restricted to (none: public). */
export interface ReleaseState extends NamedEntityState {
  readonly name: string;
  readonly groups: readonly string[];
  readonly isPublic: boolean;
}

export type ReleaseCommand =
  | { type: 'AddRelease'; callerIsAdmin: boolean; release: EventData<'ReleaseAdded'> }
  /**
   * Restricts the release to these groups, or makes it public (no groups). `missingGroups`: the
   * named groups that do not exist (read from the read model by the caller).
   */
  | { type: 'SetReleaseAccess'; callerIsAdmin: boolean; groups: readonly string[]; missingGroups: readonly string[] };
export type ProductTypeCommand = { type: 'SeedProductType'; productType: EventData<'ProductTypeSeeded'> };

const RELEASE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export const releaseDecider: Decider<ReleaseState, ReleaseCommand> = {
  initialState: () => ({ exists: false, name: '', groups: [], isPublic: true }),
  evolve(state, event) {
    if (event.type === 'ReleaseAdded') return { exists: true, name: event.data.name, groups: [], isPublic: event.data.isPublic };
    if (event.type === 'ReleaseAccessSet') return { ...state, groups: event.data.groups, isPublic: event.data.groups.length === 0 };
    return state;
  },
  decide(command, state): Result<PzEvent[], DomainError> {
    if (command.type === 'SetReleaseAccess') return decideAccess(command, state);
    if (!command.callerIsAdmin) return err(domainError('FORBIDDEN', 'only admins may add releases'));
    if (state.exists) return err(domainError('ALREADY_EXISTS', `release "${command.release.name}" already exists`, 'name'));
    if (!RELEASE_NAME.test(command.release.name)) return err(domainError('VALIDATION_FAILED', 'name must be 1-64 letters, digits, ".", "_" or "-"', 'name'));
    const problem =
      checkText(command.release.displayName, 'display_name', { required: true, max: 255 }) ??
      checkText(command.release.description, 'description', { max: 10_000, multiline: true });
    if (problem) return err(problem);
    return ok([{ type: 'ReleaseAdded', data: command.release }]);
  },
};

function decideAccess(command: Extract<ReleaseCommand, { type: 'SetReleaseAccess' }>, state: ReleaseState): Result<PzEvent[], DomainError> {
  if (!command.callerIsAdmin) return err(domainError('FORBIDDEN', 'only admins may change who sees a release'));
  if (!state.exists) return err(domainError('NOT_FOUND', 'release not found'));
  const missing = command.missingGroups[0];
  if (missing !== undefined) return err(domainError('VALIDATION_FAILED', `group "${missing}" does not exist`, 'groups'));
  const groups = [...new Set(command.groups)].sort();
  const same = groups.length === state.groups.length && groups.every((g, i) => g === state.groups[i]) && state.isPublic === (groups.length === 0);
  return ok(same ? [] : [{ type: 'ReleaseAccessSet', data: { releaseName: state.name, groups } }]);
}

export const productTypeDecider: Decider<NamedEntityState, ProductTypeCommand> = {
  initialState: () => ({ exists: false }),
  evolve: (state, event) => (event.type === 'ProductTypeSeeded' ? { exists: true } : state),
  decide: (command, state) => ok(state.exists ? [] : [{ type: 'ProductTypeSeeded', data: command.productType }]),
};
