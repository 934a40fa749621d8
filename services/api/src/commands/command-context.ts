import type { Actor, Client, LogPosition } from '@pz/contracts';

/** Who sent a command, through what, and under which correlation: becomes every event's metadata. */
export interface CommandContext {
  readonly actor: Actor;
  readonly client: Client;
  /** Unique per command; a client may supply it (Idempotency-Key) to make retries safe. */
  readonly commandId: string;
  /** Set when the client supplied the command id: ids allocated for the command are then kept for its retries. */
  readonly idempotencyKey?: string;
  /** With an idempotency key: the sha256 of the request that sent it (recorded in the events' metadata). */
  readonly requestFingerprint?: string;
  readonly correlationId: string;
  /** The event or request that caused this command. */
  readonly causationId: string;
  /** Optimistic concurrency from the client (If-Match): the stream revision it last saw. */
  readonly expectedRevision?: bigint;
  /** Told the log position of the events the command wrote (the response names it: read-your-writes through any process). */
  readonly written?: (position: LogPosition) => void;
}

export const systemContext = (commandId: string): CommandContext => ({
  actor: { kind: 'system', userId: null, username: null },
  client: { kind: 'system' },
  commandId,
  correlationId: commandId,
  causationId: commandId,
});
