import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { parsePosition } from '@pz/contracts';
import { requireUser } from '../auth/authenticate';
import type { PzApp } from '../http/app-types';
import { sendProblem } from '../http/problem';
import { DeliveryGate } from '../events/event-delivery';
import { streamEvents } from '../events/sse-connection';
import { Detail } from './schemas';
import { applySecurityHeaders } from '../http/security-headers';

const StreamQuery = Type.Object({
  after: Type.Optional(Type.String({ description: 'replay events after this global position (`<commit>:<prepare>`, an event\'s SSE id); absent: from now. A `Last-Event-ID` header takes precedence' })),
  types: Type.Optional(Type.String({ maxLength: 2000, description: 'event types, comma-separated' })),
  product_type: Type.Optional(Type.String({ maxLength: 100, description: 'only events about products of this type' })),
  official: Type.Optional(Type.Boolean({ description: 'true: only events about official products' })),
});

/** An answer without a body (the reply's typed schema names only errors). */
const sendEmpty = (reply: FastifyReply): FastifyReply => reply.send('');

/** A full send buffer may wait this long for the consumer before the stream is closed (resumable). */
const STALL_MS = 10_000;

/** `/api/events/stream/`: the event log as Server-Sent Events, for downstream tools. */
export async function eventRoutes(app: PzApp): Promise<void> {
  const { deps } = app;
  const open = new Set<{ close(): Promise<void> }>();
  // Before the server stops: it waits for open connections, and a stream stays open until told.
  app.addHook('preClose', async () => {
    await Promise.all([...open].map((s) => s.close()));
  });

  app.get('/api/events/stream/', {
    schema: {
      summary: 'Server-Sent Events: every event about products the caller may see (checked as each is sent), replayed from a position then live; the SSE id is the global position; heartbeats as comments; a consumer that does not keep up gets an `overflow` event naming the position to resume after, then the end of the stream',
      querystring: StreamQuery,
      response: { 400: Detail, 401: Detail },
    },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const lastEventId = request.headers['last-event-id'];
    const from = typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : request.query.after;
    const after = from === undefined ? await deps.store.headPosition() : parsePosition(from);
    if (!after) return sendProblem(reply, { code: 'VALIDATION_FAILED', message: 'after (or Last-Event-ID) must be an event id: a log position <commit>:<prepare>', field: 'after' });
    const types = request.query.types?.split(',').map((t) => t.trim()).filter(Boolean);
    const gate = new DeliveryGate(deps.catalogue, deps.provenance, caller, {
      ...(types?.length ? { types: new Set(types) } : {}),
      ...(request.query.product_type ? { productType: request.query.product_type } : {}),
      ...(request.query.official ? { officialOnly: true } : {}),
    }, (position) => deps.projector.waitFor(position, 10_000));
    // HEAD: the stream's headers, without a stream that would never end.
    if (request.method === 'HEAD') return sendEmpty(reply.type('text/event-stream; charset=utf-8').header('cache-control', 'no-cache, no-store'));
    applySecurityHeaders(request, reply);
    const headers = Object.fromEntries(Object.entries(reply.getHeaders()).filter((entry): entry is [string, string | number | string[]] => entry[1] !== undefined));
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    raw.write('retry: 2000\n\n');
    const stream = streamEvents(deps.store, gate, raw, {
      after,
      ...(types?.length ? { eventTypes: types } : {}),
      maxBufferBytes: deps.config.sseMaxBufferBytes,
      heartbeatMs: deps.config.sseHeartbeatS * 1000,
      stallMs: STALL_MS,
    });
    open.add(stream);
    raw.on('close', () => open.delete(stream));
  });
}
