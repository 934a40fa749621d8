import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '@pz/config';
import { createAccount } from './accounts/create-account';
import { referencedBlobHashes } from './blobs/referenced-blobs';
import type { CommandContext } from './commands/command-context';
import { startServices } from './server';

const USAGE = `usage: npm run admin -- create-user --username NAME --password PASS [--admin] [--first-name F] [--last-name L] [--email E]
       npm run admin -- sweep-blobs [--dry-run] [--older-than-hours H]

create-user (create-admin) makes a local account (with --admin: a member of the coordination
group) and prints a personal API token for it. sweep-blobs removes the blobs no event names
(uploads refused after their file arrived) once they are older than H hours (default 24), and
temporary files of writes that died; --dry-run only lists them. Run either with the same
DATABASE_URL / DATA_DIR / BLOB_URL as the server.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'sweep-blobs') return sweep(rest);
  if (command !== 'create-user' && command !== 'create-admin') {
    console.error(USAGE);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: { username: { type: 'string' }, password: { type: 'string' }, admin: { type: 'boolean' }, 'first-name': { type: 'string' }, 'last-name': { type: 'string' }, email: { type: 'string' } },
  });
  if (!values.username || !values.password) {
    console.error(USAGE);
    return 2;
  }
  const services = await startServices(loadConfig());
  try {
    const context: CommandContext = { actor: { kind: 'system', userId: null, username: null }, client: { kind: 'cli' }, commandId: randomUUID(), correlationId: randomUUID(), causationId: 'cli' };
    const created = await createAccount(services.deps, {
      username: values.username, password: values.password, isAdmin: command === 'create-admin' || values.admin === true,
      firstName: values['first-name'] ?? '', lastName: values['last-name'] ?? '', email: values.email ?? '',
    }, context);
    if (!created.ok) {
      console.error(`${created.error.code}: ${created.error.message}`);
      return 1;
    }
    const { userId, token: key } = created;
    console.log(`created ${command === 'create-admin' || values.admin ? 'admin' : 'user'} ${values.username} (id ${userId})`);
    console.log(`API token: ${key}`);
    return 0;
  } finally {
    await services.close();
  }
}

async function sweep(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'dry-run': { type: 'boolean' }, 'older-than-hours': { type: 'string' } } });
  const hours = Number(values['older-than-hours'] ?? 24);
  if (!Number.isFinite(hours) || hours < 0) {
    console.error(USAGE);
    return 2;
  }
  const services = await startServices(loadConfig());
  try {
    const named = await referencedBlobHashes(services.deps.store);
    const report = await services.deps.blobs.sweep({ isReferenced: (sha256) => named.has(sha256), dryRun: values['dry-run'] === true, blobOlderThanMs: hours * 3_600_000 });
    const verb = values['dry-run'] ? 'would remove' : 'removed';
    console.log(`${named.size} blobs named by the ledger; ${verb} ${report.unreferenced.length} unreferenced blobs and ${report.staleTempFiles.length} stale temporary files`);
    for (const blob of report.unreferenced) console.log(`  ${blob.sha256} ${blob.size} bytes`);
    return 0;
  } finally {
    await services.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`admin: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
