import { Type } from 'typebox';
import { streamName } from '@pz/contracts';
import { userDecider } from '@pz/domain';
import { randomUUID } from 'node:crypto';
import { hashPassword, verifyPassword } from '../auth/passwords';
import { CSRF_COOKIE, SESSION_COOKIE, commandContext, requireUser } from '../auth/authenticate';
import { signInToPortal } from '../auth/portal-sign-in';
import { usernameTwin } from '../auth/username-twin';
import { newSecretKey, sha256Hex } from '../auth/secrets';
import type { PzApp } from '../http/app-types';
import { refuseCrossSite } from '../http/same-origin';
import { sendProblem } from '../http/problem';

const Detail = Type.Object({ detail: Type.String() }, { additionalProperties: true });
const LoggedUser = Type.Object({ id: Type.Integer(), username: Type.String(), first_name: Type.String(), last_name: Type.String(), is_admin: Type.Boolean() });

/** API root, sign-up, login/logout (portal sessions), the logged user, and personal tokens. */
export async function accountRoutes(app: PzApp): Promise<void> {
  const { deps } = app;
  const sameOrigin = refuseCrossSite(deps.config.publicUrl);

  app.get('/api/', { schema: { summary: 'API root; 200 for a valid token (the client checks its token here)', response: { 200: Type.Record(Type.String(), Type.String()), 401: Detail } } }, async (request, reply) => {
    if (!requireUser(request, reply)) return reply;
    const base = `${deps.config.publicUrl}/api`;
    return Object.fromEntries(['products', 'product-types', 'releases', 'users', 'product-files', 'product-contents'].map((n) => [n, `${base}/${n}/`]));
  });

  app.post('/api/auth/register/', {
    schema: {
      summary: 'Create a local account',
      body: Type.Object({
        username: Type.String({ maxLength: 150 }),
        password: Type.String({ minLength: 8, maxLength: 1024 }),
        first_name: Type.Optional(Type.String({ maxLength: 150 })),
        last_name: Type.Optional(Type.String({ maxLength: 150 })),
        email: Type.Optional(Type.String({ maxLength: 254 })),
      }, { additionalProperties: false }),
      response: { 201: LoggedUser, 400: Detail, 409: Detail },
    },
    config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
    preHandler: sameOrigin,
  }, async (request, reply) => {
    const b = request.body;
    const [userId] = await deps.allocateIds('user');
    const result = await deps.bus.execute(userDecider, streamName('user', b.username), {
      type: 'RegisterUser', userId: userId as number, username: b.username, firstName: b.first_name ?? '', lastName: b.last_name ?? '', email: b.email ?? '', passwordHash: await hashPassword(b.password), isAdmin: false,
      takenAs: await usernameTwin(deps.catalogue, b.username),
    }, { actor: { kind: 'user', userId: userId as number, username: b.username }, client: { kind: 'web' }, commandId: randomUUID(), correlationId: request.id, causationId: request.id });
    if (!result.ok) return sendProblem(reply, result.error);
    return reply.code(201).send({ id: userId as number, username: b.username, first_name: b.first_name ?? '', last_name: b.last_name ?? '', is_admin: false });
  });

  app.post('/api/auth/login/', {
    schema: {
      summary: 'Sign in to the portal: sets an HttpOnly session cookie and a CSRF cookie',
      body: Type.Object({ username: Type.String({ maxLength: 150 }), password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ username: Type.String(), is_admin: Type.Boolean(), csrf_token: Type.String() }), 401: Detail },
    },
    config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
    preHandler: sameOrigin,
  }, async (request, reply) => {
    const user = await deps.catalogue.selectFrom('users').selectAll().where('username', '=', request.body.username).executeTakeFirst();
    const valid = user ? await verifyPassword(request.body.password, user.password_hash) : await hashPassword(request.body.password).then(() => false);
    if (!user || !valid) return sendProblem(reply, { code: 'UNAUTHENTICATED', message: 'wrong username or password' });
    const csrf = await signInToPortal(deps, request, reply, user.id);
    return { username: user.username, is_admin: user.is_admin, csrf_token: csrf };
  });

  app.post('/api/auth/logout/', { schema: { summary: 'Sign out of the portal: the session ends on the server, not only in this browser' }, preHandler: sameOrigin }, async (request, reply) => {
    const session = request.cookies[SESSION_COOKIE];
    if (session !== undefined) await deps.sessions.end(session);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    reply.clearCookie(CSRF_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  app.route({
    method: ['GET', 'POST'],
    url: '/api/logged_user/',
    schema: { summary: 'The signed-in user (the pzserver client POSTs here)', response: { 200: LoggedUser, 401: Detail } },
    handler: async (request, reply) => {
      const caller = requireUser(request, reply);
      if (!caller) return reply;
      return deps.catalogue.selectFrom('users').select(['id', 'username', 'first_name', 'last_name', 'is_admin']).where('id', '=', caller.userId).executeTakeFirstOrThrow();
    },
  });

  app.post('/api/get_token/', {
    schema: { summary: 'Replace the caller\'s personal API token; the new key is shown only in this answer', response: { 200: Type.Object({ token: Type.String() }), 401: Detail } },
    config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
    preHandler: sameOrigin,
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const key = newSecretKey();
    const result = await deps.bus.execute(userDecider, streamName('user', caller.username), { type: 'IssueApiToken', tokenId: randomUUID(), tokenHash: sha256Hex(key) }, commandContext(request, caller));
    if (!result.ok) return sendProblem(reply, result.error);
    return { token: key };
  });
}
