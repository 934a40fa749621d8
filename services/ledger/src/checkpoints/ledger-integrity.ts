import type { EventStore } from '@pz/contracts';
import type { Database } from '@pz/database';
import { verifyLedger, type VerifyReport } from '../verify-ledger';
import { createCheckpointer, type Checkpointer, type CheckpointerOptions } from './checkpointer';
import { openCheckpointStore, type CheckpointStore } from './checkpoint-store';
import type { LedgerPublicKey, LedgerSigningKey } from './signing-key';
import type { CheckpointToCheck } from './verify-checkpoint';

/** Signed checkpoints of the log, and `verify` against them: what the server and the CLI share. */
export interface LedgerIntegrity {
  readonly publicKey: LedgerPublicKey;
  readonly checkpoints: CheckpointStore;
  readonly checkpointer: Checkpointer;
  /** Verifies every stream's hash chain and the log against the latest checkpoints (table and file) and any `extra` one. */
  verify(extra?: readonly CheckpointToCheck[]): Promise<VerifyReport>;
}

export async function openLedgerIntegrity(store: EventStore, database: Database, options: { dataDir: string; key: LedgerSigningKey } & CheckpointerOptions): Promise<LedgerIntegrity> {
  const checkpoints = await openCheckpointStore(database, options.dataDir);
  return {
    publicKey: options.key.publicKey,
    checkpoints,
    checkpointer: createCheckpointer(store, checkpoints, options.key, options),
    async verify(extra = []) {
      return verifyLedger(store, { checkpoints: [...(await latestCheckpoints(checkpoints)), ...extra], publicKey: options.key.publicKey });
    },
  };
}

/** The latest checkpoint of the table and that of the file (both when they differ: either may have been rolled back). */
export async function latestCheckpoints(checkpoints: CheckpointStore): Promise<CheckpointToCheck[]> {
  const targets: CheckpointToCheck[] = [];
  const table = await checkpoints.latest();
  if (table) targets.push({ source: 'database', ...table });
  const file = checkpoints.latestFile();
  if (file && file.signature !== table?.checkpoint.signature) targets.push({ source: 'file', checkpoint: file, heads: null });
  return targets;
}
