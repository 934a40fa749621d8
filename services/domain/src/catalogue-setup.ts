import { err, ok, type EventData, type PzEvent, type Result } from '@pz/contracts';
import type { Decider } from './aggregate';
import { domainError, type DomainError } from './domain-error';
import { checkText } from './product';

/** Releases and product types: created once, named uniquely by their stream. */
export interface NamedEntityState {
  readonly exists: boolean;
}

export type ReleaseCommand = { type: 'AddRelease'; callerIsAdmin: boolean; release: EventData<'ReleaseAdded'> };
export type ProductTypeCommand = { type: 'SeedProductType'; productType: EventData<'ProductTypeSeeded'> };

const RELEASE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export const releaseDecider: Decider<NamedEntityState, ReleaseCommand> = {
  initialState: () => ({ exists: false }),
  evolve: (state, event) => (event.type === 'ReleaseAdded' ? { exists: true } : state),
  decide(command, state): Result<PzEvent[], DomainError> {
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

export const productTypeDecider: Decider<NamedEntityState, ProductTypeCommand> = {
  initialState: () => ({ exists: false }),
  evolve: (state, event) => (event.type === 'ProductTypeSeeded' ? { exists: true } : state),
  decide: (command, state) => ok(state.exists ? [] : [{ type: 'ProductTypeSeeded', data: command.productType }]),
};
