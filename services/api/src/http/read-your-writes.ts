import type { FastifyInstance, FastifyRequest } from 'fastify';
import { comparePositions, formatPosition, parsePosition, type EventStore, type LogPosition } from '@pz/contracts';
import type { Projector } from '@pz/projections';
import { sendProblem } from './problem';

/**
 * Read-your-writes through any process of a cluster. A response to a request that wrote events
 * carries `X-Pz-Position: <commit>:<prepare>`, the log position of its last event; a request
 * that sends that header back (to any process) is answered only once this process's read models
 * include that position (waiting at most `waitMs`, then 503 CATCHING_UP with Retry-After). With
 * `mode: 'head'`, every GET/HEAD without the header waits for the log head read when it
 * arrives: clients that do not echo the header (the pzserver Python client) see every write
 * acknowledged before their read started, at the cost of one read of the log head per GET.
 * The wait runs before authentication, so a token issued through one process works at once
 * through another.
 */
export const POSITION_HEADER = 'x-pz-position';

const written = new WeakMap<FastifyRequest, LogPosition>();

/** Records that `request` wrote events up to `position` (the response will name the furthest). */
export function noteWritten(request: FastifyRequest, position: LogPosition): void {
  const before = written.get(request);
  if (!before || comparePositions(position, before) > 0) written.set(request, position);
}

export interface ReadYourWritesOptions {
  readonly projector: Pick<Projector, 'waitFor'>;
  readonly store: Pick<EventStore, 'headPosition'>;
  readonly mode: 'header' | 'head';
  readonly waitMs?: number;
}

export function readYourWrites(app: FastifyInstance, options: ReadYourWritesOptions): void {
  const waitMs = options.waitMs ?? 10_000;
  app.addHook('onRequest', async (request, reply) => {
    const sent = request.headers[POSITION_HEADER];
    let target: LogPosition | null = null;
    if (typeof sent === 'string') {
      target = parsePosition(sent.trim());
      if (!target) return sendProblem(reply, { code: 'VALIDATION_FAILED', message: `${POSITION_HEADER} must be a log position "<commit>:<prepare>" as a write's response named it`, field: POSITION_HEADER });
    } else if (options.mode === 'head' && (request.method === 'GET' || request.method === 'HEAD')) {
      target = await options.store.headPosition();
    }
    if (!target || (await options.projector.waitFor(target, waitMs))) return;
    reply.header('retry-after', '1');
    return sendProblem(reply, { code: 'CATCHING_UP', message: `this server's catalogue has not reached position ${formatPosition(target)} within ${waitMs / 1000} s; retry shortly` });
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const position = written.get(request);
    if (position) reply.header(POSITION_HEADER, formatPosition(position));
    return payload;
  });
}
