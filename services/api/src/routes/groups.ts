import { Type } from 'typebox';
import { streamName } from '@pz/contracts';
import { groupDecider, groupStreamId } from '@pz/domain';
import { commandContext, requireUser, type AuthenticatedCaller } from '../auth/authenticate';
import { groupMembers, groupsOfUser, listGroups } from '../groups/group-queries';
import type { PzApp } from '../http/app-types';
import { ListSchema } from '../http/pagination';
import { sendProblem } from '../http/problem';
import { isoUtc } from '../serializers/product';
import { Detail } from './schemas';

const Source = Type.Union([Type.Literal('admin'), Type.Literal('identity_provider')]);
const Group = Type.Object({ name: Type.String(), description: Type.String(), source: Source, created_at: Type.String(), member_count: Type.Integer() });
const Member = Type.Object({ user_id: Type.Integer(), username: Type.String(), source: Source, added_at: Type.String() });
const MyGroup = Type.Object({ name: Type.String(), description: Type.String(), sources: Type.Array(Source) });
const NameParams = Type.Object({ name: Type.String({ maxLength: 200 }) });
const MemberParams = Type.Object({ name: Type.String({ maxLength: 200 }), user: Type.String({ maxLength: 150 }) });
const UserRef = Type.Union([Type.Integer(), Type.String({ maxLength: 150 })], { description: 'user id or username' });

type SourceName = 'admin' | 'identity_provider';
const asSource = (s: string): SourceName => (s === 'identity_provider' ? 'identity_provider' : 'admin');

/**
 * Groups (data rights): admins create groups and add or remove members, each change an event
 * with its actor; every signed-in user reads their own groups. Memberships a login's identity
 * provider claim gave (`identity_provider`) are kept in sync at login (groups/sync-identity-groups.ts);
 * admins add and remove `admin` memberships only.
 */
export async function groupRoutes(app: PzApp): Promise<void> {
  const { deps } = app;
  const db = deps.catalogue;

  const requireAdmin = (request: Parameters<typeof requireUser>[0], reply: Parameters<typeof requireUser>[1]): AuthenticatedCaller | null => {
    const caller = requireUser(request, reply);
    if (!caller) return null;
    if (caller.isAdmin) return caller;
    void sendProblem(reply, { code: 'FORBIDDEN', message: 'only admins may manage groups' });
    return null;
  };
  const userIdOf = async (ref: number | string): Promise<number | null> => {
    const q = db.selectFrom('users').select('id');
    const row = await (typeof ref === 'number' || /^\d{1,9}$/.test(ref) ? q.where('id', '=', Number(ref)) : q.where('username', '=', ref)).executeTakeFirst();
    return row?.id ?? null;
  };
  const groupExists = async (name: string) => (await db.selectFrom('groups').select('name').where('name', '=', name).executeTakeFirst()) !== undefined;

  app.get('/api/admin/groups/', { schema: { summary: 'Groups (admins)', response: { 200: ListSchema(Group), 401: Detail, 403: Detail } } }, async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    const rows = await listGroups(db);
    return { count: rows.length, results: rows.map((g) => ({ name: g.name, description: g.description, source: asSource(g.source), created_at: isoUtc(g.created_at), member_count: Number(g.member_count ?? 0) })) };
  });

  app.post('/api/admin/groups/', {
    schema: {
      summary: 'Create a group (admins)',
      body: Type.Object({ name: Type.String({ maxLength: 200 }), description: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
      response: { 201: Group, 400: Detail, 401: Detail, 403: Detail, 409: Detail },
    },
  }, async (request, reply) => {
    const caller = requireAdmin(request, reply);
    if (!caller) return reply;
    const { name, description = '' } = request.body;
    const result = await deps.bus.execute(groupDecider, streamName('group', groupStreamId(name)), { type: 'CreateGroup', callerIsAdmin: caller.isAdmin, name, description, source: 'admin' }, commandContext(request, caller));
    if (!result.ok) return sendProblem(reply, result.error);
    const row = await db.selectFrom('groups').selectAll().where('name', '=', name).executeTakeFirstOrThrow();
    return reply.code(201).send({ name: row.name, description: row.description, source: asSource(row.source), created_at: isoUtc(row.created_at), member_count: 0 });
  });

  app.get('/api/admin/groups/:name/members/', { schema: { summary: 'Members of a group, one row per membership source (admins)', params: NameParams, response: { 200: ListSchema(Member), 401: Detail, 403: Detail, 404: Detail } } }, async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    if (!(await groupExists(request.params.name))) return sendProblem(reply, { code: 'NOT_FOUND', message: `group "${request.params.name}" not found` });
    const rows = await groupMembers(db, request.params.name);
    return { count: rows.length, results: rows.map((m) => ({ user_id: m.user_id, username: m.username, source: asSource(m.source), added_at: isoUtc(m.added_at) })) };
  });

  app.post('/api/admin/groups/:name/members/', {
    schema: {
      summary: 'Add a member to a group (admins); 201 when added, 200 when the user already was a member through an admin',
      params: NameParams,
      body: Type.Object({ user: UserRef }, { additionalProperties: false }),
      response: { 200: Member, 201: Member, 400: Detail, 401: Detail, 403: Detail, 404: Detail },
    },
  }, async (request, reply) => {
    const caller = requireAdmin(request, reply);
    if (!caller) return reply;
    const userId = await userIdOf(request.body.user);
    if (userId === null) return sendProblem(reply, { code: 'VALIDATION_FAILED', message: `user "${request.body.user}" does not exist`, field: 'user' });
    const result = await deps.bus.execute(groupDecider, streamName('group', groupStreamId(request.params.name)), { type: 'AddGroupMember', callerIsAdmin: caller.isAdmin, userId, source: 'admin' }, commandContext(request, caller));
    if (!result.ok) return sendProblem(reply, result.error.code === 'NOT_FOUND' ? { code: 'NOT_FOUND', message: `group "${request.params.name}" not found` } : result.error);
    const row = (await groupMembers(db, request.params.name)).find((m) => m.user_id === userId && m.source === 'admin');
    if (!row) throw new Error(`membership of user ${userId} in group ${request.params.name} not projected`);
    return reply.code(result.value.events.length ? 201 : 200).send({ user_id: row.user_id, username: row.username, source: 'admin', added_at: isoUtc(row.added_at) });
  });

  app.delete('/api/admin/groups/:name/members/:user/', {
    schema: { summary: 'Remove a member from a group (admins): the membership an admin gave; one the identity provider claims is renewed at each login', params: MemberParams, response: { 204: Type.Null(), 401: Detail, 403: Detail, 404: Detail } },
  }, async (request, reply) => {
    const caller = requireAdmin(request, reply);
    if (!caller) return reply;
    const userId = await userIdOf(request.params.user);
    const notMember = { code: 'NOT_FOUND', message: `user "${request.params.user}" is not a member of group "${request.params.name}" through an admin` } as const;
    if (userId === null) return sendProblem(reply, notMember);
    const result = await deps.bus.execute(groupDecider, streamName('group', groupStreamId(request.params.name)), { type: 'RemoveGroupMember', callerIsAdmin: caller.isAdmin, userId, source: 'admin' }, commandContext(request, caller));
    if (!result.ok) return sendProblem(reply, result.error.code === 'NOT_FOUND' ? { code: 'NOT_FOUND', message: `group "${request.params.name}" not found` } : result.error);
    if (result.value.events.length === 0) return sendProblem(reply, notMember);
    return reply.code(204).send(null);
  });

  app.get('/api/logged_user/groups/', { schema: { summary: 'The signed-in user\'s groups, each with how the membership came (admin, identity_provider)', response: { 200: ListSchema(MyGroup), 401: Detail } } }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const groups = (await groupsOfUser(db, caller.userId)).map((g) => ({ ...g, sources: g.sources.map(asSource) }));
    return { count: groups.length, results: groups };
  });
}
