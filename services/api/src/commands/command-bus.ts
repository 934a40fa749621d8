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
import type { IdempotencyKeys } from './idempotency-keys';
import type { CommandContext } from './command-context';
import { eventIdFor } from './event-ids';

const keyReused = (): DomainError =>
  domainError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used for a different request; use a new key for a new request');

/** If-Match named another revision (RFC 9110: 412). */
const staleRevision = (sent: bigint, current: bigint): DomainError =>
  domainError('PRECONDITION_FAILED', `this resource changed since you read it (you sent revision ${sent}, it is now at ${current}); reload and try again`);

export interface CommandOutcome {
  readonly events: readonly PzEvent[];
  /** Position of the last event written (or already written); null when nothing was decided. */
  readonly position: LogPosition | null;
  readonly revision: bigint;
}

export interface CommandBus {
  execute<S, C>(decider: Decider<S, C>, streamName: string, command: C, context: CommandContext): Promise<Result<CommandOutcome, DomainError>>;
  /**
   * Several commands on one stream as one: each is decided on the state the previous ones'
   * events leave, and their events are appended together, or none when any is refused.
   */
  executeAll<S, C>(decider: Decider<S, C>, streamName: string, commands: readonly C[], context: CommandContext): Promise<Result<CommandOutcome, DomainError>>;
  /** The current state of a stream, folded from its events (for checks before a command). */
  load<S, C>(decider: Decider<S, C>, streamName: string): Promise<{ state: S; revision: bigint }>;
}

export interface CommandBusOptions {
  /** Waits until the read models include `position` (read-your-writes). */
  readonly waitForProjection: (position: LogPosition) => Promise<boolean>;
  readonly maxAttempts?: number;
  /** Refuses an Idempotency-Key already used by a different request (idempotency-keys.ts); without it only the stream's own events are checked. */
  readonly idempotencyKeys?: IdempotencyKeys;
}

/**
 * The only place that reads a stream, calls decide, and appends with the expected revision.
 * A concurrent writer makes the append fail; without a client-given expectation the command is
 * decided again on the fresh state, with one the client gets a CONFLICT.
 */
export function createCommandBus(store: EventStore, options: CommandBusOptions): CommandBus {
  const read = async <S, C>(decider: Decider<S, C>, streamName: string) => {
    const recorded = await store.readStream(streamName);
    const events = recorded.map((e) => ({ type: e.type, data: e.data }) as PzEvent);
    return { state: fold(decider, events), revision: BigInt(recorded.length) - 1n, recorded };
  };
  const load = async <S, C>(decider: Decider<S, C>, streamName: string) => {
    const { state, revision } = await read(decider, streamName);
    return { state, revision };
  };

  const bus: CommandBus = {
    load,
    execute: (decider, streamName, command, context) => bus.executeAll(decider, streamName, [command], context),
    async executeAll(decider, streamName, commands, context) {
      const keys = options.idempotencyKeys;
      const { idempotencyKey: key, requestFingerprint: fingerprint } = context;
      if (!keys || key === undefined || fingerprint === undefined) return run(decider, streamName, commands, context);
      const claim = await keys.claim(key, fingerprint);
      if (claim === 'other-request') return err(keyReused());
      const result = await run(decider, streamName, commands, context);
      if (claim === 'first' && !result.ok) await keys.release(key, fingerprint);
      return result;
    },
  };

  /** Reads the stream, decides, appends with the expected revision; again on a concurrent write. */
  async function run<S, C>(decider: Decider<S, C>, streamName: string, commands: readonly C[], context: CommandContext): Promise<Result<CommandOutcome, DomainError>> {
    const attempts = options.maxAttempts ?? 25;
    for (let attempt = 1; ; attempt++) {
      const { state, revision, recorded } = await read(decider, streamName);
      // A command sent with an Idempotency-Key whose first event is already in this stream
      // was done before: the same request is answered as done, another one is refused (the
      // IETF Idempotency-Key draft's 422), instead of colliding on the event ids unseen.
      if (context.requestFingerprint !== undefined) {
        const firstId = eventIdFor(context.commandId, streamName, 0);
        const earlier = recorded.find((e) => e.id === firstId);
        if (earlier) {
          const fingerprint = earlier.metadata.requestFingerprint;
          if (fingerprint !== undefined && fingerprint !== context.requestFingerprint) return err(keyReused());
          const ids = new Set(recorded.map((_e, index) => eventIdFor(context.commandId, streamName, index)));
          const mine = recorded.filter((e) => ids.has(e.id));
          const position = mine.at(-1)?.position ?? earlier.position;
          // Answered as done: the answer names where its events are, and the read models include them,
          // as when they were written (a retry through another process after a crash reads its write).
          context.written?.(position);
          await options.waitForProjection(position);
          return ok({ events: mine.map((e) => ({ type: e.type, data: e.data }) as PzEvent), position, revision });
        }
      }
      if (context.expectedRevision !== undefined && context.expectedRevision !== revision) return err(staleRevision(context.expectedRevision, revision));
      const events: PzEvent[] = [];
      let now = state;
      for (const command of commands) {
        const decision = decider.decide(command, now);
        if (!decision.ok) return decision;
        events.push(...decision.value);
        now = decision.value.reduce(decider.evolve, now);
      }
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
          ...(context.requestFingerprint !== undefined ? { requestFingerprint: context.requestFingerprint } : {}),
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
  }
  return bus;
}
