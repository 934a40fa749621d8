import { randomBytes, randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import { parsePosition } from '@pz/contracts';
import { requireUser } from '../auth/authenticate';
import type { PzApp } from '../http/app-types';
import { sendProblem } from '../http/problem';
import { checkTarget, parseAllowList } from '../webhooks/target-guard';
import type { WebhookTables } from '../webhooks/webhook-store';
import { Detail } from './schemas';

const CreateBody = Type.Object({
  url: Type.String({ maxLength: 2000 }),
  types: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50, description: 'event types; absent: all' })),
  product_type: Type.Optional(Type.String({ maxLength: 100 })),
  official: Type.Optional(Type.Boolean({ description: 'true: only events about official products' })),
  after: Type.Optional(Type.String({ description: 'deliver events after this log position; absent: from now' })),
});
const Hook = Type.Object({
  id: Type.String(), url: Type.String(), types: Type.Union([Type.Array(Type.String()), Type.Null()]), product_type: Type.Union([Type.String(), Type.Null()]),
  official: Type.Boolean(), enabled: Type.Boolean(), consecutive_failures: Type.Integer(), disabled_reason: Type.Union([Type.String(), Type.Null()]),
  delivered_up_to: Type.String({ description: 'log position of the last event delivered or passed over' }),
  secret: Type.Optional(Type.String({ description: 'the HMAC-SHA256 key of X-Pz-Signature, shown once, at creation' })),
});
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

type Row = WebhookTables['webhooks'];
const hookJson = (row: { [K in keyof Row]: Row[K] }) => ({
  id: row.id, url: row.url, types: row.types ? (JSON.parse(row.types) as string[]) : null, product_type: row.product_type, official: row.official_only,
  enabled: row.enabled, consecutive_failures: row.consecutive_failures, disabled_reason: row.disabled_reason, delivered_up_to: `${row.after_commit}:${row.after_prepare}`,
});

/** `/api/webhooks/`: a user's webhooks (signed deliveries of the events they may see), with their delivery records. */
export async function webhookRoutes(app: PzApp): Promise<void> {
  const { deps } = app;
  const db = deps.database.kysely.withTables<WebhookTables>();
  const allow = parseAllowList(deps.config.webhookAllowList);

  app.post('/api/webhooks/', {
    schema: { summary: 'Register a webhook: events about products you may see are POSTed to the URL, signed (X-Pz-Signature: HMAC-SHA256 of `<X-Pz-Timestamp>.<body>` under the secret answered once); loopback, private and link-local targets are refused', body: CreateBody, response: { 201: Hook, 400: Detail, 401: Detail } },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const b = request.body;
    const target = await checkTarget(b.url, allow);
    if (!target.ok) return sendProblem(reply, { code: 'VALIDATION_FAILED', message: `url: ${target.reason}`, field: 'url' });
    const after = b.after === undefined ? await deps.store.headPosition() : parsePosition(b.after);
    if (!after) return sendProblem(reply, { code: 'VALIDATION_FAILED', message: 'after must be a log position <commit>:<prepare>', field: 'after' });
    const secret = randomBytes(32).toString('hex');
    const row = {
      id: randomUUID(), owner_id: caller.userId, url: b.url, types: b.types?.length ? JSON.stringify(b.types) : null, product_type: b.product_type ?? null,
      official_only: b.official ?? false, secret, after_commit: after.commit.toString(), after_prepare: after.prepare.toString(), enabled: true,
      consecutive_failures: 0, next_attempt_at: null, disabled_reason: null, created_at: new Date().toISOString(),
    };
    await db.insertInto('webhooks').values(row).execute();
    return reply.code(201).send({ ...hookJson(row), secret });
  });

  app.get('/api/webhooks/', { schema: { summary: 'Your webhooks (admins: everyone\'s), with their state; a disabled one says why', response: { 200: Type.Array(Hook), 401: Detail } } }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    let q = db.selectFrom('webhooks').selectAll().orderBy('created_at');
    if (!caller.isAdmin) q = q.where('owner_id', '=', caller.userId);
    return (await q.execute()).map(hookJson);
  });

  const ownHook = async (id: string, caller: { userId: number; isAdmin: boolean }) => {
    const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    return row && (caller.isAdmin || row.owner_id === caller.userId) ? row : null;
  };

  app.get('/api/webhooks/:id/deliveries/', {
    schema: { summary: 'The last 100 delivery attempts of a webhook', params: IdParams, response: { 200: Type.Array(Type.Object({ event_id: Type.String(), position: Type.String(), attempt: Type.Integer(), status: Type.Union([Type.Integer(), Type.Null()]), error: Type.Union([Type.String(), Type.Null()]), at: Type.String() })), 401: Detail, 404: Detail } },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    if (!(await ownHook(request.params.id, caller))) return sendProblem(reply, { code: 'NOT_FOUND', message: 'webhook not found' });
    const rows = await db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', request.params.id).orderBy('id', 'desc').limit(100).execute();
    return rows.map((r) => ({ event_id: r.event_id, position: r.position, attempt: r.attempt, status: r.status, error: r.error, at: new Date(r.at).toISOString() }));
  });

  app.delete('/api/webhooks/:id/', { schema: { summary: 'Remove a webhook', params: IdParams, response: { 204: Type.Null(), 401: Detail, 404: Detail } } }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    if (!(await ownHook(request.params.id, caller))) return sendProblem(reply, { code: 'NOT_FOUND', message: 'webhook not found' });
    await db.deleteFrom('webhooks').where('id', '=', request.params.id).execute();
    return reply.code(204).send(null);
  });
}
