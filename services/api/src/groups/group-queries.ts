import type { Kysely } from 'kysely';
import type { CatalogueTables } from '@pz/projections';

/** Groups with how many members each has (a user counted once, whatever the sources). */
export function listGroups(db: Kysely<CatalogueTables>) {
  return db
    .selectFrom('groups')
    .select(['groups.name', 'groups.description', 'groups.source', 'groups.created_at'])
    .select((eb) => eb.selectFrom('group_members as gm').select((m) => m.fn.count<string>('gm.user_id').distinct().as('n')).whereRef('gm.group_name', '=', 'groups.name').as('member_count'))
    .orderBy('groups.name')
    .execute();
}

/** A group's memberships, one row per (user, source). */
export function groupMembers(db: Kysely<CatalogueTables>, name: string) {
  return db
    .selectFrom('group_members')
    .innerJoin('users', 'users.id', 'group_members.user_id')
    .select(['group_members.user_id', 'users.username', 'group_members.source', 'group_members.added_at'])
    .where('group_members.group_name', '=', name)
    .orderBy('users.username')
    .orderBy('group_members.source')
    .execute();
}

/** The groups a user is in, each with the sources of its membership. */
export async function groupsOfUser(db: Kysely<CatalogueTables>, userId: number): Promise<{ name: string; description: string; sources: string[] }[]> {
  const rows = await db
    .selectFrom('group_members')
    .innerJoin('groups', 'groups.name', 'group_members.group_name')
    .select(['groups.name', 'groups.description', 'group_members.source'])
    .where('group_members.user_id', '=', userId)
    .orderBy('groups.name')
    .orderBy('group_members.source')
    .execute();
  const byName = new Map<string, { name: string; description: string; sources: string[] }>();
  for (const r of rows) {
    const group = byName.get(r.name) ?? { name: r.name, description: r.description, sources: [] };
    group.sources.push(r.source);
    byName.set(r.name, group);
  }
  return [...byName.values()];
}

/** Of these group names, those that no group has. */
export async function missingGroups(db: Kysely<CatalogueTables>, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const found = new Set((await db.selectFrom('groups').select('name').where('name', 'in', [...names]).execute()).map((g) => g.name));
  return names.filter((n) => !found.has(n));
}

/** The groups each release is restricted to (releases absent here are open to no group). */
export async function releaseGroups(db: Kysely<CatalogueTables>, releaseNames: readonly string[]): Promise<Map<string, string[]>> {
  const groups = new Map<string, string[]>();
  if (releaseNames.length === 0) return groups;
  const rows = await db.selectFrom('release_access').select(['release_name', 'group_name']).where('release_name', 'in', [...releaseNames]).orderBy('group_name').execute();
  for (const r of rows) groups.set(r.release_name, [...(groups.get(r.release_name) ?? []), r.group_name]);
  return groups;
}
