import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { streamName } from '@pz/contracts';
import { loadConfig, type Config } from '@pz/config';
import type { TestBackend } from '@pz/database/testing';
import { userDecider } from '@pz/domain';
import { hashPassword } from './auth/passwords';
import { newSecretKey, sha256Hex } from './auth/secrets';
import { systemContext } from './commands/command-context';
import { startServices, type RunningServices, type StartOptions } from './server';

/** A whole service on an isolated database and a temp data folder, for black-box HTTP tests. */
export interface TestServer extends RunningServices {
  readonly config: Config;
  /** Creates a user with a token; returns the `Authorization` header value. */
  createUser(username: string, options?: { admin?: boolean; password?: string }): Promise<{ userId: number; token: string; auth: string }>;
  stop(): Promise<void>;
}

export async function startTestServer(backend: TestBackend, env: Record<string, string> = {}, options: Omit<StartOptions, 'database'> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-test-'));
  const database = await backend.open();
  const config = loadConfig({ DATA_DIR: dataDir, PZ_SECRET: 'test-secret-0123456789', PUBLIC_URL: 'http://pz.test', ...env });
  const services = await startServices(config, { ...options, database });
  return {
    ...services,
    config,
    async createUser(username, options = {}) {
      const [userId] = await services.deps.allocateIds('user');
      const stream = streamName('user', username);
      const registered = await services.deps.bus.execute(userDecider, stream, {
        type: 'RegisterUser', userId: userId as number, username, firstName: username, lastName: 'Tester', email: `${username}@example.org`,
        passwordHash: await hashPassword(options.password ?? 'correct horse battery'), isAdmin: options.admin ?? false,
      }, systemContext(randomUUID()));
      if (!registered.ok) throw new Error(registered.error.message);
      const token = newSecretKey();
      const issued = await services.deps.bus.execute(userDecider, stream, { type: 'IssueApiToken', tokenId: randomUUID(), tokenHash: sha256Hex(token) }, systemContext(randomUUID()));
      if (!issued.ok) throw new Error(issued.error.message);
      return { userId: userId as number, token, auth: `Token ${token}` };
    },
    async stop() {
      await services.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
