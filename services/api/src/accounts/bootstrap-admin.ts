import { randomBytes, randomUUID } from 'node:crypto';
import type { AppDeps } from '../deps';
import type { CommandContext } from '../commands/command-context';
import { createAccount } from './create-account';

export type BootstrapOutcome =
  | { readonly created: true; readonly username: string; readonly userId: number; readonly token: string; readonly password: string; readonly passwordGenerated: boolean }
  | { readonly created: false; readonly username: string };

/**
 * The first admin, created by the server itself at start (`PZ_BOOTSTRAP_ADMIN=name`), so that a
 * newcomer on the embedded database, which the running server holds, gets one without the CLI.
 * Idempotent: once an account of that name exists (from an earlier start, another process of a
 * cluster, or the CLI), nothing is created. Recorded as events like any account creation.
 */
export async function bootstrapAdmin(deps: Pick<AppDeps, 'bus' | 'allocateIds' | 'catalogue' | 'projector' | 'store'>, username: string, password: string | null): Promise<BootstrapOutcome> {
  // The read model answers "does it exist?" once it has seen every event recorded so far.
  await deps.projector.waitFor(await deps.store.headPosition(), 60_000);
  const existing = await deps.catalogue.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
  if (existing) return { created: false, username };
  const chosen = password ?? randomBytes(18).toString('base64url');
  const commandId = randomUUID();
  const context: CommandContext = { actor: { kind: 'system', userId: null, username: null }, client: { kind: 'system' }, commandId, correlationId: commandId, causationId: 'PZ_BOOTSTRAP_ADMIN' };
  const result = await createAccount(deps, { username, password: chosen, isAdmin: true }, context);
  if (result.ok) return { created: true, username, userId: result.userId, token: result.token, password: chosen, passwordGenerated: password === null };
  // Another process of the same installation created it first.
  if (result.error.code === 'ALREADY_EXISTS') return { created: false, username };
  throw new Error(`PZ_BOOTSTRAP_ADMIN: ${result.error.message}`);
}

/** What the operator reads once on stdout: the token (and a generated password) are never shown again. */
export function bootstrapMessage(outcome: BootstrapOutcome): string {
  if (!outcome.created) return `PZ_BOOTSTRAP_ADMIN: admin "${outcome.username}" already exists; nothing created.`;
  return [
    `PZ_BOOTSTRAP_ADMIN: created admin "${outcome.username}" (id ${outcome.userId}). Shown once, keep it now:`,
    `  API token: ${outcome.token}`,
    ...(outcome.passwordGenerated ? [`  password:  ${outcome.password}   (generated; set PZ_BOOTSTRAP_ADMIN_PASSWORD to choose one)`] : []),
  ].join('\n');
}
