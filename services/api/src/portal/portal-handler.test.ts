import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { buildApp } from '../app';
import type { PzApp } from '../http/app-types';
import { API_CSP } from '../http/security-headers';
import { startTestServer, type TestServer } from '../testing';
import type { PortalHandler } from './portal-handler';

const PAGE_CSP = "default-src 'none'; script-src 'self' 'nonce-abc'";

for (const backend of testBackends().slice(0, 1)) {
  describe(`the portal mounted in the API app (${backend.name})`, () => {
    let server: TestServer;
    let app: PzApp;
    const seen: string[] = [];
    // Stands in for SvelteKit's handler: a page answer sets its own CSP, an asset answer does not.
    const portal: PortalHandler = (req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url?.startsWith('/_app/')) {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end('export {}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': PAGE_CSP });
      res.end('<!doctype html><title>portal</title>');
    };

    beforeAll(async () => {
      server = await startTestServer(backend);
      app = await buildApp(server.deps, { portal });
    });
    afterAll(async () => {
      await app?.close();
      await server?.stop();
    });

    it('answers pages outside /api/ with the security headers and the page its own CSP', async () => {
      const page = await app.inject({ method: 'GET', url: '/product/1_tutorial?x=1' });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<title>portal</title>');
      expect(page.headers['content-security-policy']).toBe(PAGE_CSP);
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
      const asset = await app.inject({ method: 'GET', url: '/_app/immutable/start.js' });
      expect(asset.headers['content-security-policy']).toBe(API_CSP);
      expect(seen).toEqual(['GET /product/1_tutorial?x=1', 'GET /_app/immutable/start.js']);
    });

    it('leaves /api/ to the API: unknown API paths and non-GET methods stay JSON 404s', async () => {
      seen.length = 0;
      for (const [method, url] of [['GET', '/api/nope/'], ['HEAD', '/api/nope'], ['POST', '/product/x'], ['DELETE', '/']] as const) {
        const response = await app.inject({ method, url });
        expect(response.statusCode, `${method} ${url}`).toBe(404);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
      }
      expect(seen).toEqual([]);
      expect((await app.inject({ method: 'GET', url: '/api/releases/' })).statusCode).toBe(401);
    });

    it('does not authenticate portal pages: a bad token header does not stop a page', async () => {
      const response = await app.inject({ method: 'GET', url: '/', headers: { authorization: 'Token !!' } });
      expect(response.statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/api/', headers: { authorization: 'Token !!' } })).statusCode).toBe(401);
    });
  });
}
