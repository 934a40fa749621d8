export { openEventStore } from './open-event-store';
export { openPostgresEventStore, EVENTS_CHANNEL } from './postgres/postgres-event-store';
export { verifyLedger, verifyStream, type VerifyReport, type ChainProblem } from './verify-ledger';
export { eventHash } from './hash-chain';
export { canonicalJson } from './canonical-json';
export { openLedgerIntegrity, latestCheckpoints, type LedgerIntegrity } from './checkpoints/ledger-integrity';
export { ledgerSigningKey, existingLedgerSigningKey, publicKeyFromPem, type LedgerPublicKey, type LedgerSigningKey } from './checkpoints/signing-key';
export { checkpointJson, checkpointFromJson, checkpointNote, headInclusion, type SignedCheckpoint, type StreamHead, type CheckpointJson } from './checkpoints/signed-checkpoint';
export type { CheckpointCheck, CheckpointProblem, CheckpointToCheck } from './checkpoints/verify-checkpoint';
