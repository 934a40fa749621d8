import {
  CURRENT_SCHEMA_VERSION,
  err,
  ok,
  validateEvent,
  type EventStore,
  type LogPosition,
  type NewEvent,
  type PzEvent,
  type Result,
} from '@pz/contracts';
import { domainError, fold, type Decider, type DomainError } from '@pz/domain';
import type { CommandContext } from './command-context';
import { eventIdFor } from './event-ids';

const staleRevision = (sent: bigint, current: bigint): DomainError =>
  domainError('CONFLICT', `this resource changed since you read it (you sent revision ${sent}, it is now at ${current}); reload and try again`);

export interface CommandOutcome {
  readonly events: readonly PzEvent[];
  /** Position of the last event written (or already written); null when nothing was decided. */
  readonly position: LogPosition | null;
  readonly revision: bigint;
}

export interface CommandBus {
  execute<S, C>(decider: Decider<S, C>, streamName: string, command: C, context: CommandContext): Promise<Result<CommandOutcome, DomainError>>;
  /** The current state of a stream, folded from its events (for checks before a command). */
  load<S, C>(decider: Decider<S, C>, streamName: string): Promise<{ state: S; revision: bigint }>;
}

export interface CommandBusOptions {
  /** Waits until the read models include `position` (read-your-writes). */
  readonly waitForProjection: (position: LogPosition) => Promise<boolean>;
  readonly maxAttempts?: number;
}

/**
 * The only place that reads a stream, calls decide, and appends with the expected revision.
 * A concurrent writer makes the append fail; without a client-given expectation the command is
 * decided again on the fresh state, with one the client gets a CONFLICT.
 */
export function createCommandBus(store: EventStore, options: CommandBusOptions): CommandBus {
  const load = async <S, C>(decider: Decider<S, C>, streamName: string) => {
    const recorded = await store.readStream(streamName);
    const events = recorded.map((e) => ({ type: e.type, data: e.data }) as PzEvent);
    return { state: fold(decider, events), revision: BigInt(recorded.length) - 1n };
  };

  return {
    load,
    async execute(decider, streamName, command, context) {
      const attempts = options.maxAttempts ?? 25;
      for (let attempt = 1; ; attempt++) {
        const { state, revision } = await load(decider, streamName);
        if (context.expectedRevision !== undefined && context.expectedRevision !== revision) return err(staleRevision(context.expectedRevision, revision));
        const decision = decider.decide(command, state);
        if (!decision.ok) return decision;
        const events = decision.value;
        if (events.length === 0) return ok({ events, position: null, revision });
        for (const event of events) {
          const violation = validateEvent(event);
          if (violation) throw new Error(`refusing to record an invalid event: ${violation.message}`);
        }
        const recordedAt = new Date().toISOString();
        const newEvents: NewEvent[] = events.map((event, index) => ({
          id: eventIdFor(context.commandId, streamName, index),
          type: event.type,
          schemaVersion: CURRENT_SCHEMA_VERSION[event.type],
          data: event.data,
          metadata: {
            actor: context.actor,
            client: context.client,
            correlationId: context.correlationId,
            causationId: context.causationId,
            recordedAt,
          },
        }));
        const appended = await store.append(streamName, newEvents, revision < 0n ? 'no_stream' : revision);
        if (appended.ok) {
          context.written?.(appended.value.position);
          await options.waitForProjection(appended.value.position);
          return ok({ events, position: appended.value.position, revision: appended.value.nextRevision });
        }
        if (appended.error.code !== 'WRONG_EXPECTED_REVISION') return err(domainError('CONFLICT', appended.error.message));
        if (context.expectedRevision !== undefined) return err(staleRevision(context.expectedRevision, appended.error.actual));
        if (attempt >= attempts) return err(domainError('CONFLICT', 'this resource is being changed by many clients at once; try again'));
        // Writers that lost the race together would collide again at once: spread their retries.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    },
  };
}
