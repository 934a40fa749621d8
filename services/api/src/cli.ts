import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '@pz/config';
import { createAccount } from './accounts/create-account';
import type { CommandContext } from './commands/command-context';
import { startServices } from './server';

const USAGE = `usage: npm run admin -- create-user --username NAME --password PASS [--admin] [--first-name F] [--last-name L] [--email E]

Creates a local account (with --admin: a member of the coordination group) and prints a
personal API token for it. Run it with the same DATABASE_URL / DATA_DIR as the server.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`admin: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
