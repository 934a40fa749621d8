import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamName } from '@pz/contracts';
import { testBackends } from '@pz/database/testing';
import { groupDecider, groupStreamId } from '@pz/domain';
import type { CommandContext } from '../commands/command-context';
import { startTestServer, type TestServer } from '../testing';
import { groupsOfUser } from './group-queries';
import { syncIdentityGroups } from './sync-identity-groups';

for (const backend of testBackends()) {
  describe(`syncIdentityGroups (${backend.name})`, () => {
    let server: TestServer;
    let userId: number;
    /** What a login through the identity provider would pass: the user as actor, through the web. */
    const login = (): CommandContext => {
      const id = randomUUID();
      return { actor: { kind: 'user', userId, username: 'oidc-user' }, client: { kind: 'web' }, commandId: id, correlationId: id, causationId: id };
    };
    const sync = (names: string[]) => syncIdentityGroups(server.deps, userId, names, login());
    const memberships = async () => (await groupsOfUser(server.deps.catalogue, userId)).map((g) => `${g.name}:${g.sources.join('+')}`);

    beforeAll(async () => {
      server = await startTestServer(backend);
      userId = (await server.createUser('oidc-user')).userId;
      const admin = { actor: { kind: 'user' as const, userId: 0, username: 'root' }, client: { kind: 'cli' as const }, commandId: randomUUID(), correlationId: 'c', causationId: 'c' };
      const created = await server.deps.bus.execute(groupDecider, streamName('group', groupStreamId('staff')), { type: 'CreateGroup', callerIsAdmin: true, name: 'staff', description: '', source: 'admin' }, admin);
      const added = await server.deps.bus.execute(groupDecider, streamName('group', groupStreamId('staff')), { type: 'AddGroupMember', callerIsAdmin: true, userId, source: 'admin' }, { ...admin, commandId: randomUUID() });
      if (!created.ok || !added.ok) throw new Error('setup failed');
    }, 240_000);
    afterAll(async () => server?.stop());

    it('creates the claimed groups that do not exist and joins them, as events whose actor is the login\'s', async () => {
      const result = await sync(['dp1-rights', '/rubin/commissioning', 'dp1-rights']);
      expect(result).toEqual({ ok: true, value: { created: ['/rubin/commissioning', 'dp1-rights'], added: ['/rubin/commissioning', 'dp1-rights'], removed: [], ignored: [] } });
      expect(await memberships()).toEqual(['/rubin/commissioning:identity_provider', 'dp1-rights:identity_provider', 'staff:admin']);
      const events = await server.deps.store.readStream(streamName('group', groupStreamId('dp1-rights')));
      expect(events.map((e) => [e.type, e.data])).toEqual([
        ['GroupCreated', { name: 'dp1-rights', description: '', source: 'identity_provider' }],
        ['GroupMemberAdded', { name: 'dp1-rights', userId, source: 'identity_provider' }],
      ]);
      expect(events.every((e) => e.metadata.actor.userId === userId && e.metadata.actor.username === 'oidc-user')).toBe(true);
    });

    it('records nothing when the claim has not changed', async () => {
      const lengths = async () => Promise.all(['dp1-rights', '/rubin/commissioning', 'staff'].map(async (g) => (await server.deps.store.readStream(streamName('group', groupStreamId(g)))).length));
      const before = await lengths();
      const result = await sync(['/rubin/commissioning', 'dp1-rights']);
      expect(result).toEqual({ ok: true, value: { created: [], added: [], removed: [], ignored: [] } });
      expect(await lengths()).toEqual(before);
    });

    it('leaves the groups no longer claimed, joins an admin\'s group through the claim too, and never touches the admin\'s membership', async () => {
      expect(await sync(['dp1-rights', 'staff'])).toEqual({ ok: true, value: { created: [], added: ['staff'], removed: ['/rubin/commissioning'], ignored: [] } });
      expect(await memberships()).toEqual(['dp1-rights:identity_provider', 'staff:admin+identity_provider']);
      expect(await sync([])).toEqual({ ok: true, value: { created: [], added: [], removed: ['dp1-rights', 'staff'], ignored: [] } });
      expect(await memberships()).toEqual(['staff:admin']);
      // The groups stay, empty of this user: other users' claims and release restrictions name them.
      expect((await server.deps.catalogue.selectFrom('groups').select('name').orderBy('name').execute()).map((g) => g.name)).toEqual(['/rubin/commissioning', 'dp1-rights', 'staff']);
    });

    it('ignores claimed names that cannot name a group', async () => {
      expect(await sync(['ok-group', 'has space', ''])).toEqual({ ok: true, value: { created: ['ok-group'], added: ['ok-group'], removed: [], ignored: ['has space', ''] } });
      expect(await memberships()).toEqual(['ok-group:identity_provider', 'staff:admin']);
    });
  });
}
