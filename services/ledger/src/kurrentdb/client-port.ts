import type {
  AllStreamResolvedEvent,
  AppendResult,
  AppendToStreamOptions,
  EventData,
  ReadAllOptions,
  ReadStreamOptions,
  ResolvedEvent,
  SubscribeToAllOptions,
} from '@kurrent/kurrentdb-client';

/** A live `$all` subscription as the client returns it: an object-mode stream of resolved events. */
export interface LiveSubscription extends AsyncIterable<AllStreamResolvedEvent> {
  unsubscribe(): Promise<void>;
  destroy(): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * The part of `KurrentDBClient` the adapter uses. The real client satisfies it as is; the
 * in-memory fake used by the server-less tests implements it too.
 */
export interface KurrentDbClientPort {
  appendToStream(streamName: string, events: EventData[], options: AppendToStreamOptions): Promise<AppendResult>;
  readStream(streamName: string, options: ReadStreamOptions): AsyncIterable<ResolvedEvent>;
  readAll(options: ReadAllOptions): AsyncIterable<AllStreamResolvedEvent>;
  subscribeToAll(options: SubscribeToAllOptions): LiveSubscription;
  dispose(): Promise<void>;
}
