import { readFileSync } from 'node:fs';
import { formatPosition } from '@pz/contracts';
import { loadConfig } from '@pz/config';
import { openDatabase } from '@pz/database';
import { openCheckpointStore } from './checkpoints/checkpoint-store';
import { createCheckpointer } from './checkpoints/checkpointer';
import { latestCheckpoints } from './checkpoints/ledger-integrity';
import { checkpointFromJson, checkpointJson } from './checkpoints/signed-checkpoint';
import { existingLedgerSigningKey, ledgerSigningKey, publicKeyFromPem } from './checkpoints/signing-key';
import type { CheckpointToCheck } from './checkpoints/verify-checkpoint';
import { openEventStore } from './open-event-store';
import { verifyLedger, type VerifyReport } from './verify-ledger';

const USAGE = `usage: npm run ledger -- <command> [options]

commands:
  verify       check every stream's hash chain, and the log against the latest signed checkpoint
               (table ledger_checkpoints and DATA_DIR/ledger-checkpoint.json); exit 1 and name
               the first broken link of each broken stream, or what the checkpoint no longer finds
               (a stream truncated, edited or removed, a signature that does not hold)
    --checkpoint FILE   also check against this checkpoint (the JSON of
                        GET /api/ledger/checkpoints/latest/, saved earlier)
    --public-key FILE   check signatures with this PEM public key (GET /api/ledger/public-key/)
                        instead of the key in DATA_DIR / LEDGER_SIGNING_KEY
  checkpoint   read the log to its head and sign a checkpoint of every stream head now
  head         print the position of the last settled event`;

const COMMANDS = ['verify', 'checkpoint', 'head'] as const;

function option(argv: readonly string[], name: string): string | null {
  const i = argv.indexOf(name);
  if (i < 0) return null;
  const value = argv[i + 1];
  if (value === undefined) throw new Error(`${name} needs a file`);
  return value;
}

function printReport(report: VerifyReport): void {
  for (const p of report.problems) console.log(`BROKEN ${p.streamName} at revision ${p.revision}: ${p.kind}: ${p.message}`);
  for (const check of report.checkpoints) {
    const c = check.checkpoint;
    const what = `checkpoint (${check.source}) at ${formatPosition(c.position)} of ${c.time}, ${c.streams} streams, root ${c.root.slice(0, 16)}…`;
    for (const p of check.problems) console.log(`CHECKPOINT ${p.kind}${p.streamName ? ` ${p.streamName}${p.revision !== null ? ` at revision ${p.revision}` : ''}` : ''}: ${p.message}`);
    console.log(`${check.signatureValid && check.consistent ? 'CONSISTENT with' : 'NOT CONSISTENT with'} ${what}`);
  }
  if (report.checkpoints.length === 0) console.log('no checkpoint to check against yet: a truncated stream would go unnoticed (run: npm run ledger -- checkpoint)');
  const broken = report.problems.length + report.checkpoints.filter((c) => !c.signatureValid || !c.consistent).length;
  console.log(`${report.ok ? 'OK' : 'TAMPERED'}: ${report.streams} streams, ${report.events} events verified, ${broken} broken`);
}

async function main(argv: readonly string[]): Promise<number> {
  const command = COMMANDS.find((c) => c === argv[0]);
  if (!command) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const database = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir, schema: config.databaseSchema ?? undefined });
  const store = await openEventStore(config, database);
  try {
    if (command === 'head') {
      console.log(formatPosition(await store.headPosition()));
      return 0;
    }
    const checkpoints = await openCheckpointStore(database, config.dataDir);
    if (command === 'checkpoint') {
      const key = ledgerSigningKey(config.dataDir, config.ledgerSigningKey);
      const checkpoint = await createCheckpointer(store, checkpoints, key, { intervalMs: 0, everyEvents: 0 }).checkpointNow();
      console.log(JSON.stringify(checkpointJson(checkpoint), null, 2));
      return 0;
    }
    const keyFile = option(argv, '--public-key');
    const publicKey = keyFile ? publicKeyFromPem(readFileSync(keyFile, 'utf8')) : (existingLedgerSigningKey(config.dataDir, config.ledgerSigningKey)?.publicKey ?? null);
    const targets: CheckpointToCheck[] = await latestCheckpoints(checkpoints);
    const given = option(argv, '--checkpoint');
    if (given) targets.push({ source: 'given', checkpoint: checkpointFromJson(JSON.parse(readFileSync(given, 'utf8'))), heads: null });
    const report = await verifyLedger(store, { checkpoints: targets, publicKey });
    printReport(report);
    return report.ok ? 0 : 1;
  } finally {
    await store.close();
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`ledger: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
