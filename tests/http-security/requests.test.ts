import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { attachTestFile } from '../../services/api/src/downloads/testing';
import { API_CSP } from '../../services/api/src/http/security-headers';
import { startTestServer, type TestServer } from '../../services/api/src/testing';

type Json = Record<string, unknown>;

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': API_CSP,
};

for (const backend of testBackends()) {
  describe(`requests: deleted downloads, cross-site sign-in, error answers (${backend.name})`, () => {
    let server: TestServer;
    let alice: { auth: string; userId: number };
    const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, auth?: string, payload?: Json, headers: Record<string, string> = {}) => {
      const response = await server.app.inject({ method, url, payload, headers: { ...(auth ? { authorization: auth } : {}), ...headers } });
      const json = String(response.headers['content-type'] ?? '').startsWith('application/json');
      return { status: response.statusCode, body: (json ? JSON.parse(response.body) : {}) as Json, headers: response.headers };
    };

    beforeAll(async () => {
      server = await startTestServer(backend);
      alice = await server.createUser('alice', { password: 'correct horse battery' });
    }, 180_000);
    afterAll(async () => server.stop());

    it('downloads nothing of a deleted product through a link (prepared zip and main file, share); its owner still may, signed in', async () => {
      const created = await call('POST', '/api/products/', alice.auth, { display_name: 'Soon deleted', product_type: 'training_set' });
      const id = created.body.id as number;
      await attachTestFile(server.deps, id, alice.userId, { name: 'train.csv', role: 0, content: Buffer.from('ra,dec,z\n1,2,0.5\n'), mimeType: 'text/csv' });
      const prepare = async (kind: 'download' | 'download/main-file') => {
        let state = await call('POST', `/api/products/${id}/${kind}/prepare/`, alice.auth);
        while (state.body.status !== 'ready') state = await call('GET', `/api/products/${id}/${kind}/status/`, alice.auth);
        return String(state.body.download_url).slice('http://pz.test'.length);
      };
      const links = [await prepare('download'), await prepare('download/main-file')];
      const share = await call('POST', `/api/products/${id}/shares/`, alice.auth, {});
      const shared = `${String(share.body.url).slice('http://pz.test'.length)}download/`;
      for (const link of [...links, shared]) expect((await call('GET', link)).status, link).toBe(200);
      expect((await call('DELETE', `/api/products/${id}/`, alice.auth)).status).toBe(204);
      for (const link of [...links, shared]) expect((await call('GET', link)).status, link).toBe(404);
      // Links prepared before deletion stay dead for the owner too; the owner signed in, like on the product's page, still sees it.
      for (const legacy of ['download/', 'download_main_file/']) expect((await call('GET', `/api/products/${id}/${legacy}`, alice.auth)).status, legacy).toBe(200);
      const renewed = await call('POST', `/api/products/${id}/download/main-file/prepare/`, alice.auth);
      expect((await call('GET', String(renewed.body.download_url).slice('http://pz.test'.length))).status).toBe(404);
    });

    it('refuses sign-in and sign-up posted from another site, and lets programs and our own origin through', async () => {
      const login = { username: 'alice', password: 'correct horse battery' };
      const crossSite: Record<string, string>[] = [{ origin: 'https://evil.example' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }];
      for (const headers of crossSite) {
        const refused = await call('POST', '/api/auth/login/', undefined, login, headers);
        expect(refused.status, JSON.stringify(headers)).toBe(403);
        expect(refused.headers['set-cookie']).toBeUndefined();
        expect((await call('POST', '/api/auth/register/', undefined, { username: `evil${Object.keys(headers)[0]?.length}`, password: 'a long password' }, headers)).status).toBe(403);
      }
      expect((await call('POST', '/api/auth/login/', undefined, login)).status).toBe(200);
      expect((await call('POST', '/api/auth/login/', undefined, login, { origin: 'http://pz.test', 'sec-fetch-site': 'same-origin' })).status).toBe(200);
      expect((await call('POST', '/api/auth/register/', undefined, { username: 'newcomer', password: 'a long password' }, { origin: 'http://pz.test' })).status).toBe(201);
    });

    it('refuses a username that differs from a registered one only in case', async () => {
      expect((await call('POST', '/api/auth/register/', undefined, { username: 'Galaxy.Fan', password: 'a long password' })).status).toBe(201);
      for (const twin of ['galaxy.fan', 'GALAXY.FAN', 'Galaxy.fan']) {
        const refused = await call('POST', '/api/auth/register/', undefined, { username: twin, password: 'a long password' });
        expect(refused.status, twin).toBe(409);
        expect(refused.body).toMatchObject({ field: 'username', detail: expect.stringContaining('Galaxy.Fan') as string });
      }
      // The user created by the test server as "alice" blocks "ALICE" too.
      expect((await call('POST', '/api/auth/register/', undefined, { username: 'ALICE', password: 'a long password' })).status).toBe(409);
    });

    it('answers a malformed URL in the problem shape, with the security headers, without echoing it', async () => {
      for (const url of ['/api/<script>alert(1)</script>%zz', '/api/products/%zz/', '/%E0%A4%A']) {
        const response = await server.app.inject({ method: 'GET', url });
        expect(response.statusCode, url).toBe(400);
        expect(response.headers, url).toMatchObject(SECURITY_HEADERS);
        const body = JSON.parse(response.body) as Json;
        expect(body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'url' });
        expect(response.body).not.toMatch(/script|%zz|%E0/i);
      }
    });

    it('sends the security headers with the 431 written before Fastify sees the request', async () => {
      const address = new URL(await server.app.listen({ port: 0, host: '127.0.0.1' }));
      const answer = await new Promise<{ status: number; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
        const request = http.request({ host: address.hostname, port: address.port, path: '/api/', headers: { 'x-padding': 'p'.repeat(64 * 1024) } }, (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
        });
        request.on('error', reject);
        request.end();
      });
      expect(answer.status).toBe(431);
      expect(answer.headers).toMatchObject(SECURITY_HEADERS);
    });
  });
}
