import { eventTypeFilter, excludeSystemEvents, streamNameFilter, type Filter } from '@kurrent/kurrentdb-client';
import { isValidStreamName } from '../stream-names';

const NAMESPACE = /^[A-Za-z0-9_]{1,64}$/;

/**
 * How the ledger's stream names map to the server's, and which events of `$all` belong to the
 * ledger.
 *
 * Without a namespace (production) a stream keeps its name, and an event of `$all` is the
 * ledger's when its stream has a valid ledger name (`<category>-<id>`) and its type is not a
 * system type (`$…`): system streams (`$stats-…`, `$$…` metadata, projection output) never are.
 *
 * With a namespace (tests only: a KurrentDB server cannot be emptied between tests) stream
 * `thing-1` is stored as `<namespace>.thing-1`, and only such streams are seen by `readAll`,
 * `subscribeToAll`, `listStreams` and `headPosition`. Names and hashes the port shows are the
 * un-prefixed ones, so the hash chain does not depend on the namespace. A namespace has no `-`,
 * so a namespaced stream never looks like a ledger stream to a store without one.
 */
export interface StreamNamespace {
  /** `""` without a namespace. */
  readonly prefix: string;
  toServer(streamName: string): string;
  /** The ledger's name for an event of `$all`, or null when the event is not the ledger's. */
  ledgerStreamOf(serverStreamName: string, eventType: string): string | null;
  /** A server-side filter for a subscription; the adapter still checks every event itself. */
  subscriptionFilter(eventTypes: readonly string[] | undefined): Filter;
  /** A server-side filter for scanning `$all` for stream names. */
  scanFilter(): Filter;
}

export function streamNamespace(namespace?: string): StreamNamespace {
  if (namespace !== undefined && !NAMESPACE.test(namespace)) {
    throw new Error(`invalid KurrentDB test namespace "${namespace}": expected 1 to 64 letters, digits or _`);
  }
  const prefix = namespace === undefined ? '' : `${namespace}.`;
  const byStreamName = (): Filter => streamNameFilter({ prefixes: [prefix] });
  return {
    prefix,
    toServer: (streamName) => prefix + streamName,
    ledgerStreamOf(serverStreamName, eventType) {
      if (eventType.startsWith('$') || !serverStreamName.startsWith(prefix)) return null;
      const name = serverStreamName.slice(prefix.length);
      return isValidStreamName(name) ? name : null;
    },
    subscriptionFilter(eventTypes) {
      if (prefix) return byStreamName();
      if (eventTypes && eventTypes.length > 0) return eventTypeFilter({ prefixes: [...eventTypes] });
      return excludeSystemEvents();
    },
    scanFilter: () => (prefix ? byStreamName() : excludeSystemEvents()),
  };
}
