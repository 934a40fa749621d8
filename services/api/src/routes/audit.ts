import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { START, formatPosition, parsePosition } from '@pz/contracts';
import { requireAdmin } from '../auth/require-admin';
import type { PzApp } from '../http/app-types';
import { sendProblem, type Problem } from '../http/problem';
import { CSV_HEADER, auditEntry, csvLine } from '../audit/audit-entry';
import { auditEvents, auditPage, type AuditFilter } from '../audit/audit-feed';
import { Detail } from './schemas';
import { sendJsonBytes } from '../http/json-bytes';
import type { FastifyReply } from 'fastify';

/** A streamed body: the reply's typed schema names only the JSON answers. */
const sendStream = (reply: FastifyReply, body: Readable): FastifyReply => reply.send(body);

const AuditQuery = Type.Object({
  actor: Type.Optional(Type.String({ maxLength: 150, description: 'a username or a user id' })),
  type: Type.Optional(Type.String({ maxLength: 2000, description: 'event types, comma-separated (e.g. ProductDeleted,ProductMarkedOfficial)' })),
  product: Type.Optional(Type.String({ pattern: '^\\d{1,9}$', description: 'events about this product' })),
  since: Type.Optional(Type.String({ description: 'ISO-8601 instant: events recorded at or after it' })),
  until: Type.Optional(Type.String({ description: 'ISO-8601 instant: events recorded at or before it' })),
  after: Type.Optional(Type.String({ description: 'the cursor: `next` of the previous page (a log position)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'events per page (default 100)' })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('jsonl')], { description: 'csv or jsonl: every matching event after the cursor, streamed' })),
});

function instant(text: string | undefined, field: string): Date | Problem | undefined {
  if (text === undefined) return undefined;
  const at = new Date(text);
  return /^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(at.getTime()) ? at : { code: 'VALIDATION_FAILED', message: `${field} must be an ISO-8601 instant`, field };
}
const isProblem = (v: unknown): v is Problem => typeof v === 'object' && v !== null && 'code' in v;

/** `/api/admin/audit/`: every event of the catalogue, for the coordination group, filtered and paged, or exported. */
export async function auditRoutes(app: PzApp): Promise<void> {
  const { store } = app.deps;
  app.get('/api/admin/audit/', {
    schema: {
      summary: 'Every event across the catalogue (admins), oldest first, with filters and a cursor; `format=csv|jsonl` streams the whole selection. Password digests, token and share-key hashes are left out.',
      querystring: AuditQuery,
      response: { 400: Detail, 401: Detail, 403: Detail },
    },
  }, async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    const q = request.query;
    const since = instant(q.since, 'since');
    const until = instant(q.until, 'until');
    if (isProblem(since)) return sendProblem(reply, since);
    if (isProblem(until)) return sendProblem(reply, until);
    const after = q.after === undefined ? START : parsePosition(q.after);
    if (!after) return sendProblem(reply, { code: 'VALIDATION_FAILED', message: 'after must be a cursor given by a previous page (<commit>:<prepare>)', field: 'after' });
    const types = q.type?.split(',').map((t) => t.trim()).filter(Boolean);
    const filter: AuditFilter = {
      ...(q.actor ? { actor: q.actor } : {}), ...(types?.length ? { types } : {}), ...(q.product ? { productId: Number(q.product) } : {}),
      ...(since ? { since } : {}), ...(until ? { until } : {}),
    };
    if (q.format === 'csv' || q.format === 'jsonl') {
      const csv = q.format === 'csv';
      const lines = async function* () {
        if (csv) yield `${CSV_HEADER.join(',')}\r\n`;
        for await (const event of auditEvents(store, filter, after)) yield csv ? csvLine(auditEntry(event)) : `${JSON.stringify(auditEntry(event))}\n`;
      };
      reply.type(csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8').header('content-disposition', `attachment; filename="audit.${csv ? 'csv' : 'jsonl'}"`);
      return sendStream(reply, Readable.from(lines()));
    }
    const page = await auditPage(store, filter, after, q.limit ?? 100);
    return sendJsonBytes(reply, Buffer.from(JSON.stringify({
      count: page.events.length,
      next: page.next ? formatPosition(page.next) : null,
      results: page.events.map(auditEntry),
    })));
  });
}
