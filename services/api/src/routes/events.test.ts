import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_SCHEMA_VERSION, START, formatPosition, type RecordedEvent } from '@pz/contracts';
import { testBackends } from '@pz/database/testing';
import { openSse, type SseMessage } from '../events/sse-client';
import { startTestServer, type TestServer } from '../testing';

type Json = Record<string, unknown>;
type User = { auth: string; userId: number };

const until = async (check: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return check();
};

for (const backend of testBackends()) {
  describe(`event stream, SSE (${backend.name})`, () => {
    let server: TestServer;
    let base: string;
    let alice: User;
    let bob: User;
    let carol: User;
    const call = async (method: 'POST' | 'PATCH' | 'DELETE', url: string, auth: string, payload?: Json) => {
      const response = await server.app.inject({ method, url, payload, headers: { authorization: auth } });
      return { status: response.statusCode, body: (response.body ? JSON.parse(response.body) : {}) as Json };
    };
    const product = async (owner: User, name: string, type = 'training_set') => {
      const created = await call('POST', '/api/products/', owner.auth, { display_name: name, product_type: type });
      expect(created.status).toBe(201);
      return created.body.id as number;
    };
    /** Events of these types in the log after `after`, as the store has them. */
    const logged = async (after: string, types: string[], streams: Set<string>) => {
      const out: RecordedEvent[] = [];
      let cursor = START;
      for (;;) {
        const page = await server.deps.store.readAll({ after: cursor, limit: 1000, eventTypes: types });
        if (formatPosition(page.lastPosition) === formatPosition(cursor)) break;
        out.push(...page.events);
        cursor = page.lastPosition;
      }
      const [c, p] = after.split(':').map(BigInt) as [bigint, bigint];
      return out.filter((e) => streams.has(e.streamName) && (e.position.commit > c || (e.position.commit === c && e.position.prepare > p))).map((e) => formatPosition(e.position));
    };

    beforeAll(async () => {
      server = await startTestServer(backend, { SSE_MAX_BUFFER_BYTES: String(256 * 1024), SSE_HEARTBEAT_S: '1' });
      await server.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
      alice = await server.createUser('alice');
      bob = await server.createUser('bob');
      carol = await server.createUser('carol');
    }, 180_000);
    afterAll(async () => server?.stop());

    it('loses and repeats nothing across many dropped connections while writers append concurrently', async () => {
      const products = await Promise.all([0, 1, 2].map((i) => product(alice, `Writer ${i}`)));
      const streams = new Set(products.map((id) => `product-${id}`));
      const start = formatPosition(await server.deps.store.headPosition());
      const EDITS = 40;
      const writers = Promise.all(products.map(async (id) => {
        for (let i = 0; i < EDITS; i++) expect((await call('PATCH', `/api/products/${id}/`, alice.auth, { description: `edit ${i} of ${id}` })).status).toBe(200);
      }));
      let writersDone = false;
      void writers.then(() => { writersDone = true; });

      const received: string[] = [];
      let last = start;
      let drops = 0;
      let overflows = 0;
      const total = products.length * EDITS;
      for (let connection = 0; connection < 2000 && received.length < total; connection++) {
        const dropAfter = 1 + Math.floor(Math.random() * 6);
        let seen = 0;
        const { request, done } = openSse(`${base}/api/events/stream/?types=ProductMetadataEdited&after=${start}`, { authorization: alice.auth, 'last-event-id': last }, (m: SseMessage, request) => {
          if (m.event === 'overflow') {
            overflows += 1;
            return;
          }
          const entry = JSON.parse(m.data) as Json;
          if (!streams.has(String(entry.stream)) || m.id === null) return;
          received.push(m.id);
          last = m.id;
          seen += 1;
          if (seen >= dropAfter) {
            drops += 1;
            request.destroy();
          }
        });
        // Live and idle: wait for the next write (or the end of the writers), then drop.
        const outcome = await Promise.race([done, new Promise<null>((r) => setTimeout(() => r(null), writersDone ? 1500 : 400))]);
        if (outcome === null) {
          request.destroy();
          await done;
        }
      }
      await writers;
      expect(drops).toBeGreaterThanOrEqual(20);
      const expected = await logged(start, ['ProductMetadataEdited'], streams);
      expect(expected).toHaveLength(total);
      expect(new Set(received).size).toBe(received.length);
      expect(received).toEqual(expected);
      console.log(`SSE reconnect test (${backend.name}): ${received.length} events over ${drops} drops, ${overflows} overflow closes`);
    }, 180_000);

    it('sends only events about products the subscriber may see at delivery time, and never account events', async () => {
      const start = formatPosition(await server.deps.store.headPosition());
      const hidden = await product(carol, 'Carol soon deleted');
      const open = await product(carol, 'Carol public');
      expect((await call('PATCH', `/api/products/${hidden}/`, carol.auth, { description: 'before deletion' })).status).toBe(200);
      expect((await call('DELETE', `/api/products/${hidden}/`, carol.auth)).status).toBe(204);
      await server.createUser('dave');
      const forBob: Json[] = [];
      const forCarol: Json[] = [];
      const bobs = openSse(`${base}/api/events/stream/?after=${start}`, { authorization: bob.auth }, (m) => { if (m.id) forBob.push(JSON.parse(m.data) as Json); });
      const carols = openSse(`${base}/api/events/stream/?after=${start}`, { authorization: carol.auth }, (m) => { if (m.id) forCarol.push(JSON.parse(m.data) as Json); });
      expect(await until(() => forCarol.some((e) => e.type === 'ProductDeleted'), 10_000)).toBe(true);
      expect(await until(() => forBob.some((e) => e.product_id === open), 10_000)).toBe(true);
      // Replayed after the deletion: bob gets none of the deleted product's events, even those from before; its owner gets all.
      expect(forBob.filter((e) => e.product_id === hidden)).toEqual([]);
      expect(forCarol.filter((e) => e.product_id === hidden).map((e) => e.type)).toEqual(['ProductRegistered', 'ProductMetadataEdited', 'ProductDeleted']);
      expect([...forBob, ...forCarol].some((e) => String(e.type).startsWith('User') || String(e.type).startsWith('ApiToken'))).toBe(false);
      // Live: a product deleted while bob listens stops reaching him from that moment.
      const live = await product(carol, 'Carol live');
      expect(await until(() => forBob.some((e) => e.product_id === live), 10_000)).toBe(true);
      expect((await call('DELETE', `/api/products/${live}/`, carol.auth)).status).toBe(204);
      expect(await until(() => forCarol.some((e) => e.product_id === live && e.type === 'ProductDeleted'), 10_000)).toBe(true);
      expect(forBob.some((e) => e.product_id === live && e.type === 'ProductDeleted')).toBe(false);
      bobs.request.destroy();
      carols.request.destroy();
      await Promise.all([bobs.done, carols.done]);
    }, 60_000);

    it('filters by event type, product type and official flag, and sends heartbeats', async () => {
      const admin = await server.createUser('keeper', { admin: true });
      const start = formatPosition(await server.deps.store.headPosition());
      const spec = await product(alice, 'Spec-z official', 'redshift_catalog');
      const training = await product(alice, 'Training', 'training_set');
      expect((await call('PATCH', `/api/products/${spec}/`, admin.auth, { official_product: true })).status).toBe(200);
      const got: Json[] = [];
      let heartbeats = 0;
      const sub = openSse(`${base}/api/events/stream/?after=${start}&product_type=redshift_catalog&official=true`, { authorization: bob.auth }, (m) => { if (m.id) got.push(JSON.parse(m.data) as Json); });
      sub.request.on('response', (res) => res.on('data', (chunk: Buffer) => { heartbeats += (String(chunk).match(/: heartbeat/g) ?? []).length; }));
      expect(await until(() => got.some((e) => e.type === 'ProductMarkedOfficial'), 10_000)).toBe(true);
      expect(await until(() => heartbeats > 0, 5_000)).toBe(true);
      expect(got.every((e) => e.product_id === spec)).toBe(true);
      expect(got.some((e) => e.product_id === training)).toBe(false);
      sub.request.destroy();
      const typed: Json[] = [];
      const byType = openSse(`${base}/api/events/stream/?after=${start}&types=ProductMarkedOfficial`, { authorization: bob.auth }, (m) => { if (m.id) typed.push(JSON.parse(m.data) as Json); });
      expect(await until(() => typed.length > 0, 10_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      expect(typed.map((e) => e.type)).toEqual(['ProductMarkedOfficial']);
      byType.request.destroy();
      const head = await fetch(`${base}/api/events/stream/`, { headers: { authorization: bob.auth } });
      expect(head.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(head.headers.get('x-content-type-options')).toBe('nosniff');
      expect(head.headers.get('content-security-policy')).toBeTruthy();
      await head.body?.cancel();
      const bad = openSse(`${base}/api/events/stream/?after=yesterday`, { authorization: bob.auth }, () => {});
      expect((await bad.done).status).toBe(400);
      const anonymous = openSse(`${base}/api/events/stream/`, {}, () => {});
      expect((await anonymous.done).status).toBe(401);
    }, 60_000);

    it('closes the stream of a consumer that does not read, with a position to resume from; resuming loses nothing', async () => {
      const id = await product(alice, 'Large edits');
      const start = formatPosition(await server.deps.store.headPosition());
      let overflow: Json | null = null;
      const before: string[] = [];
      const slow = openSse(`${base}/api/events/stream/?after=${start}&types=ProductMetadataEdited`, { authorization: alice.auth }, (m) => {
        if (m.event === 'overflow') overflow = JSON.parse(m.data) as Json;
        else if (m.id) before.push(m.id);
      });
      slow.request.on('response', (res) => res.pause());
      const description = 'x'.repeat(60_000);
      const COUNT = 300;
      const metadata = { actor: { kind: 'user' as const, userId: alice.userId, username: 'alice' }, client: { kind: 'token' as const }, correlationId: 'big', causationId: 'big', recordedAt: new Date().toISOString() };
      for (let i = 0; i < COUNT; i += 50) {
        const events = Array.from({ length: 50 }, (_, k) => ({ id: randomUUID(), type: 'ProductMetadataEdited', schemaVersion: CURRENT_SCHEMA_VERSION.ProductMetadataEdited, data: { productId: id, changes: { description: `${i + k} ${description}` } }, metadata }));
        const appended = await server.deps.store.append(`product-${id}`, events, 'any');
        expect(appended.ok).toBe(true);
      }
      // Long enough for the server to fill the socket and give up on it.
      await new Promise((r) => setTimeout(r, 12_000));
      (slow.request as unknown as { res?: { resume(): void } }).res?.resume();
      const outcome = await slow.done;
      expect(outcome.ended).toBe(true);
      expect(overflow).not.toBeNull();
      const resumeAfter = String((overflow as unknown as Json).resume_after);
      expect(before.length).toBeLessThan(COUNT);
      expect(before.at(-1) ?? start).toBe(resumeAfter);
      const rest: string[] = [];
      const resumed = openSse(`${base}/api/events/stream/?types=ProductMetadataEdited`, { authorization: alice.auth, 'last-event-id': resumeAfter }, (m) => { if (m.id) rest.push(m.id); });
      expect(await until(() => before.length + rest.length >= COUNT, 30_000)).toBe(true);
      resumed.request.destroy();
      expect([...before, ...rest]).toEqual(await logged(start, ['ProductMetadataEdited'], new Set([`product-${id}`])));
    }, 120_000);
  });
}
