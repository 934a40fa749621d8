export { openEventStore } from './open-event-store';
export { openPostgresEventStore, EVENTS_CHANNEL } from './postgres/postgres-event-store';
export { verifyLedger, verifyStream, type VerifyReport, type ChainProblem } from './verify-ledger';
export { eventHash } from './hash-chain';
export { canonicalJson } from './canonical-json';
