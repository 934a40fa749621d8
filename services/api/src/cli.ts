import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { streamName } from '@pz/contracts';
import { loadConfig } from '@pz/config';
import { userDecider } from '@pz/domain';
import { usernameTwin } from './auth/username-twin';
import { hashPassword } from './auth/passwords';
import { newSecretKey, sha256Hex } from './auth/secrets';
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
    const { bus, allocateIds } = services.deps;
    const [userId] = await allocateIds('user');
    const context: CommandContext = { actor: { kind: 'system', userId: null, username: null }, client: { kind: 'cli' }, commandId: randomUUID(), correlationId: randomUUID(), causationId: 'cli' };
    const stream = streamName('user', values.username);
    const registered = await bus.execute(userDecider, stream, {
      type: 'RegisterUser', userId: userId as number, username: values.username, firstName: values['first-name'] ?? '', lastName: values['last-name'] ?? '', email: values.email ?? '',
      passwordHash: await hashPassword(values.password), isAdmin: command === 'create-admin' || values.admin === true,
      takenAs: await usernameTwin(services.deps.catalogue, values.username),
    }, context);
    if (!registered.ok) {
      console.error(`${registered.error.code}: ${registered.error.message}`);
      return 1;
    }
    const key = newSecretKey();
    const issued = await bus.execute(userDecider, stream, { type: 'IssueApiToken', tokenId: randomUUID(), tokenHash: sha256Hex(key) }, { ...context, commandId: randomUUID() });
    if (!issued.ok) {
      console.error(`${issued.error.code}: ${issued.error.message}`);
      return 1;
    }
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
