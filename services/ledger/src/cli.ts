import { formatPosition } from '@pz/contracts';
import { loadConfig } from '@pz/config';
import { openDatabase } from '@pz/database';
import { openEventStore } from './open-event-store';
import { verifyLedger } from './verify-ledger';

const USAGE = `usage: npm run ledger -- <command>

commands:
  verify   check every stream's hash chain; exit 1 and name the first broken link of each
           broken stream if an event was edited, reordered or removed
  head     print the position of the last settled event`;

async function main(argv: readonly string[]): Promise<number> {
  const command = argv[0];
  if (command !== 'verify' && command !== 'head') {
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
    const report = await verifyLedger(store);
    for (const p of report.problems) console.log(`BROKEN ${p.streamName} at revision ${p.revision}: ${p.kind}: ${p.message}`);
    console.log(`${report.ok ? 'OK' : 'TAMPERED'}: ${report.streams} streams, ${report.events} events verified, ${report.problems.length} broken`);
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
