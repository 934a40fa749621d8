import { randomUUID } from 'node:crypto';
import { streamName } from '@pz/contracts';
import { userDecider, type DomainError } from '@pz/domain';
import { hashPassword } from '../auth/passwords';
import { usernameTwin } from '../auth/username-twin';
import { newSecretKey, sha256Hex } from '../auth/secrets';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps } from '../deps';

export interface NewAccount {
  readonly username: string;
  readonly password: string;
  readonly isAdmin: boolean;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly email?: string;
}

/**
 * Registers a local account and issues its first API token, as two commands recorded like any
 * other (`UserRegistered`, `ApiTokenIssued`). The token's key is returned once and never stored.
 */
export async function createAccount(deps: Pick<AppDeps, 'bus' | 'allocateIds' | 'catalogue'>, account: NewAccount, context: CommandContext): Promise<{ ok: true; userId: number; token: string } | { ok: false; error: DomainError }> {
  const [userId] = await deps.allocateIds('user');
  const stream = streamName('user', account.username);
  const registered = await deps.bus.execute(userDecider, stream, {
    type: 'RegisterUser', userId: userId as number, username: account.username, firstName: account.firstName ?? '', lastName: account.lastName ?? '', email: account.email ?? '',
    passwordHash: await hashPassword(account.password), isAdmin: account.isAdmin,
    // Usernames differing only in case are one name (a look-alike is refused).
    takenAs: await usernameTwin(deps.catalogue, account.username),
  }, context);
  if (!registered.ok) return registered;
  const token = newSecretKey();
  const issued = await deps.bus.execute(userDecider, stream, { type: 'IssueApiToken', tokenId: randomUUID(), tokenHash: sha256Hex(token) }, { ...context, commandId: randomUUID() });
  if (!issued.ok) return issued;
  return { ok: true, userId: userId as number, token };
}
