import type { PzEvent, Result } from '@pz/contracts';
import type { DomainError } from './domain-error';

/** Emmett-style decider: pure functions, tested as given events → when command → then events. */
export interface Decider<State, Command> {
  initialState(): State;
  evolve(state: State, event: PzEvent): State;
  decide(command: Command, state: State): Result<PzEvent[], DomainError>;
}

/** Who is acting, as far as the rules care. */
export interface Caller {
  readonly userId: number;
  readonly isAdmin: boolean;
}

export const fold = <S, C>(decider: Decider<S, C>, events: readonly PzEvent[]): S => events.reduce(decider.evolve, decider.initialState());
