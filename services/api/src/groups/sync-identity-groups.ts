import type { Kysely } from 'kysely';
import { ok, streamName, type Result } from '@pz/contracts';
import { GROUP_NAME, groupDecider, groupStreamId, type DomainError } from '@pz/domain';
import type { CatalogueTables } from '@pz/projections';
import type { CommandBus } from '../commands/command-bus';
import type { CommandContext } from '../commands/command-context';

export interface IdentityGroupsSync {
  /** Groups that did not exist and were created (source `identity_provider`). */
  readonly created: readonly string[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Claimed names that are not valid group names (see GROUP_NAME): ignored. */
  readonly ignored: readonly string[];
}

export type SyncDeps = { readonly bus: CommandBus; readonly catalogue: Kysely<CatalogueTables> };

/**
 * Makes the user's `identity_provider` memberships equal the group names the identity provider
 * claims (at each login): creates the groups that do not exist, adds the missing memberships and
 * removes those no longer claimed, each as events with `context`'s actor. Memberships an admin
 * gave (`admin`) are never touched: a user an admin put in a group stays there whatever the
 * claim says. Idempotent: a second call with the same names records nothing.
 */
export async function syncIdentityGroups(deps: SyncDeps, userId: number, groupNames: readonly string[], context: CommandContext): Promise<Result<IdentityGroupsSync, DomainError>> {
  const claimed = [...new Set(groupNames)].filter((n) => GROUP_NAME.test(n)).sort();
  const ignored = [...new Set(groupNames)].filter((n) => !GROUP_NAME.test(n));
  const current = (await deps.catalogue.selectFrom('group_members').select('group_name').where('user_id', '=', userId).where('source', '=', 'identity_provider').execute()).map((r) => r.group_name);
  const existing = new Set(claimed.length ? (await deps.catalogue.selectFrom('groups').select('name').where('name', 'in', claimed).execute()).map((g) => g.name) : []);
  const created: string[] = [];
  const added: string[] = [];
  const removed: string[] = [];
  // One command id per (step, group): a retried login with the same context appends nothing new.
  const step = (what: string, name: string): CommandContext => ({ ...context, commandId: `${context.commandId}:${what}:${name}` });
  for (const name of claimed) {
    const stream = streamName('group', groupStreamId(name));
    if (!existing.has(name)) {
      const made = await deps.bus.execute(groupDecider, stream, { type: 'CreateGroup', callerIsAdmin: true, name, description: '', source: 'identity_provider' }, step('create', name));
      if (!made.ok && made.error.code !== 'ALREADY_EXISTS') return made;
      if (made.ok && made.value.events.length) created.push(name);
    }
    const joined = await deps.bus.execute(groupDecider, stream, { type: 'AddGroupMember', callerIsAdmin: true, userId, source: 'identity_provider' }, step(`add-${userId}`, name));
    if (!joined.ok) return joined;
    if (joined.value.events.length) added.push(name);
  }
  for (const name of current.filter((n) => !claimed.includes(n))) {
    const left = await deps.bus.execute(groupDecider, streamName('group', groupStreamId(name)), { type: 'RemoveGroupMember', callerIsAdmin: true, userId, source: 'identity_provider' }, step(`remove-${userId}`, name));
    if (!left.ok) return left;
    if (left.value.events.length) removed.push(name);
  }
  return ok({ created, added, removed, ignored });
}
