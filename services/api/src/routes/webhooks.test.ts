import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { startTestServer, type TestServer } from '../testing';

type Json = Record<string, unknown>;
type User = { auth: string; userId: number };
interface Received { path: string; headers: http.IncomingHttpHeaders; body: string }

const until = async (check: () => boolean | Promise<boolean>, ms: number) => {
  const deadline = Date.now() + ms;
  while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return check();
};

for (const backend of testBackends()) {
  describe(`webhooks (${backend.name})`, () => {
    let server: TestServer;
    let receiver: http.Server;
    let hookBase: string;
    let alice: User;
    const received: Received[] = [];
    const failuresLeft = new Map<string, number>([['/flaky', 2]]);
    const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, auth: string, payload?: Json) => {
      const response = await server.app.inject({ method, url, payload, headers: { authorization: auth } });
      return { status: response.statusCode, body: (response.body ? JSON.parse(response.body) : {}) as Json | Json[] };
    };

    beforeAll(async () => {
      // A real receiver on loopback: /flaky fails its first two attempts, /down always, /moved redirects.
      receiver = http.createServer((request, response) => {
        let body = '';
        request.on('data', (c: Buffer) => { body += String(c); });
        request.on('end', () => {
          const path = request.url ?? '';
          received.push({ path, headers: request.headers, body });
          const left = failuresLeft.get(path) ?? 0;
          if (path === '/down' || left > 0) {
            failuresLeft.set(path, left - 1);
            response.writeHead(500).end('not now');
          } else if (path === '/moved') response.writeHead(302, { location: '/landing' }).end();
          else response.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      hookBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      server = await startTestServer(backend, { WEBHOOK_ALLOW_LIST: '127.0.0.1', WEBHOOK_RETRY_BASE_MS: '100', WEBHOOK_MAX_FAILURES: '4' });
      alice = await server.createUser('alice');
    }, 180_000);
    afterAll(async () => {
      await server?.stop();
      await new Promise((r) => receiver.close(r));
    });

    it('refuses targets on loopback, private, link-local or metadata addresses that the allow-list does not name', async () => {
      for (const url of ['http://127.0.0.2:9/hook', 'http://0.0.0.0:9/', 'http://[::1]/hook', 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/hook', 'http://192.168.1.10/', 'http://127.0.0.1.nip.invalid/', 'gopher://8.8.8.8/']) {
        const answer = await call('POST', '/api/webhooks/', alice.auth, { url });
        expect(answer.status, url).toBe(400);
        expect(answer.body).toMatchObject({ field: 'url' });
      }
    });

    it('signs each delivery, retries a failing receiver with backoff until it takes the event, and records every attempt', async () => {
      const created = await call('POST', '/api/webhooks/', alice.auth, { url: `${hookBase}/flaky`, types: ['ProductRegistered'] });
      expect(created.status).toBe(201);
      const hook = created.body as Json;
      const secret = String(hook.secret);
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      const product = await call('POST', '/api/products/', alice.auth, { display_name: 'Hooked', product_type: 'training_set' });
      const productId = (product.body as Json).id;
      expect(await until(() => received.filter((r) => r.path === '/flaky').length >= 3, 20_000)).toBe(true);
      const attempts = received.filter((r) => r.path === '/flaky');
      const eventIds = new Set(attempts.map((a) => a.headers['x-pz-event-id']));
      expect(eventIds.size).toBe(1);
      for (const a of attempts) {
        const expected = `sha256=${createHmac('sha256', secret).update(`${String(a.headers['x-pz-timestamp'])}.${a.body}`).digest('hex')}`;
        expect(a.headers['x-pz-signature']).toBe(expected);
        expect(JSON.parse(a.body)).toMatchObject({ type: 'ProductRegistered', product_id: productId, event_id: a.headers['x-pz-event-id'] });
      }
      const deliveries = await until(async () => ((await call('GET', `/api/webhooks/${String(hook.id)}/deliveries/`, alice.auth)).body as Json[]).length >= 3, 5_000);
      expect(deliveries).toBe(true);
      const log = (await call('GET', `/api/webhooks/${String(hook.id)}/deliveries/`, alice.auth)).body as Json[];
      expect(log.map((d) => d.status).reverse()).toEqual([500, 500, 204]);
      expect(log.map((d) => d.attempt).reverse()).toEqual([1, 2, 3]);
      const listed = (await call('GET', '/api/webhooks/', alice.auth)).body as Json[];
      expect(listed.find((h) => h.id === hook.id)).toMatchObject({ enabled: true, consecutive_failures: 0 });
      expect(listed.find((h) => h.id === hook.id)?.secret).toBeUndefined();
      expect((await call('DELETE', `/api/webhooks/${String(hook.id)}/`, alice.auth)).status).toBe(204);
    }, 60_000);

    it('does not follow redirects, and disables a webhook after repeated failures with the reason', async () => {
      const moved = (await call('POST', '/api/webhooks/', alice.auth, { url: `${hookBase}/moved`, types: ['ProductRegistered'] })).body as Json;
      const down = (await call('POST', '/api/webhooks/', alice.auth, { url: `${hookBase}/down`, types: ['ProductRegistered'] })).body as Json;
      await call('POST', '/api/products/', alice.auth, { display_name: 'Nobody takes it', product_type: 'training_set' });
      const state = async (id: unknown) => ((await call('GET', '/api/webhooks/', alice.auth)).body as Json[]).find((h) => h.id === id);
      expect(await until(async () => (await state(down.id))?.enabled === false && (await state(moved.id))?.enabled === false, 30_000)).toBe(true);
      expect(String((await state(down.id))?.disabled_reason)).toMatch(/disabled after 4 failed deliveries in a row; the last: answered 500/);
      expect(String((await state(moved.id))?.disabled_reason)).toMatch(/redirects are not followed/);
      expect(received.some((r) => r.path === '/landing')).toBe(false);
      const attempts = received.filter((r) => r.path === '/down').length;
      await new Promise((r) => setTimeout(r, 1000));
      expect(received.filter((r) => r.path === '/down').length).toBe(attempts);
    }, 60_000);

    it('delivers only events about products the owner may see when they are delivered', async () => {
      const bob = await server.createUser('bob');
      const carol = await server.createUser('carol');
      const before = (await server.deps.store.headPosition());
      const hidden = (await call('POST', '/api/products/', carol.auth, { display_name: 'Carol, deleted', product_type: 'training_set' })).body as Json;
      expect((await call('DELETE', `/api/products/${String(hidden.id)}/`, carol.auth)).status).toBe(204);
      const shown = (await call('POST', '/api/products/', alice.auth, { display_name: 'Alice, public', product_type: 'training_set' })).body as Json;
      const hook = (await call('POST', '/api/webhooks/', bob.auth, { url: `${hookBase}/bob`, types: ['ProductRegistered', 'ProductDeleted'], after: `${before.commit}:${before.prepare}` })).body as Json;
      expect(await until(() => received.some((r) => r.path === '/bob' && JSON.parse(r.body).product_id === shown.id), 20_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect(received.filter((r) => r.path === '/bob').map((r) => JSON.parse(r.body).product_id)).toEqual([shown.id]);
      expect((await call('GET', `/api/webhooks/${String(hook.id)}/deliveries/`, carol.auth)).status).toBe(404);
    }, 60_000);
  });
}
