import type { OutgoingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { buildApp } from '../app';
import { multipartForm } from '../files/testing';
import { startTestServer, type TestServer } from '../testing';
import type { PzApp } from './app-types';
import { API_CSP, DOCS_CSP } from './security-headers';

type Json = Record<string, unknown>;
type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
interface Seen {
  readonly what: string;
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
}

/** What every response must carry; the problems found, as readable lines. */
function headerProblems({ what, status, headers }: Seen): string[] {
  const problems: string[] = [];
  const csp = String(headers['content-security-policy'] ?? '');
  const expectHeader = (name: string, ok: boolean) => {
    if (!ok) problems.push(`${what} → ${status}: ${name} is ${JSON.stringify(headers[name])}`);
  };
  expectHeader('x-content-type-options', headers['x-content-type-options'] === 'nosniff');
  expectHeader('referrer-policy', ['no-referrer', 'strict-origin-when-cross-origin'].includes(String(headers['referrer-policy'])));
  // A user file shown inline is framed by our own product page: sandboxed, and framed from nowhere else.
  const sandboxedInline = csp === "sandbox; frame-ancestors 'self'" && headers['x-frame-options'] === 'SAMEORIGIN';
  expectHeader('x-frame-options', headers['x-frame-options'] === 'DENY' || csp.includes("frame-ancestors 'none'") || sandboxedInline);
  expectHeader('cross-origin-opener-policy', headers['cross-origin-opener-policy'] === 'same-origin');
  expectHeader('content-security-policy', csp.includes("default-src 'none'") || /^sandbox\b/.test(csp));
  expectHeader('strict-transport-security', headers['strict-transport-security'] === undefined);
  if (String(headers['content-type'] ?? '').startsWith('application/json')) expectHeader('content-security-policy', csp.includes("default-src 'none'") || csp === 'sandbox');
  return problems;
}

const SAMPLE_PARAMS: Readonly<Record<string, string>> = { shareId: 'no-such-share', key: '0'.repeat(40), '*': 'swagger-ui.css' };
/** Routes whose accepted answer never ends (the event stream): called so that they answer at once (400); events.test.ts checks the headers of an open stream. */
const SAMPLE_QUERIES: Readonly<Record<string, string>> = { '/api/events/stream/': '?after=not-a-position' };

for (const backend of testBackends()) {
  describe(`security headers (${backend.name})`, () => {
    let server: TestServer;
    let walker: PzApp;
    let auth: string;
    /** The walk calls every route, token replacement included: it gets a user of its own. */
    let walkerAuth: string;
    let productId: number;
    let fileId: number;
    const routes: { methods: Method[]; url: string }[] = [];

    const send = async (app: PzApp, method: Method, url: string, options: { auth?: string; payload?: Json } = {}): Promise<Seen & { body: string }> => {
      const response = await app.inject({ method, url, ...(options.payload ? { payload: options.payload } : {}), headers: options.auth ? { authorization: options.auth } : {} });
      return { what: `${method} ${url}`, status: response.statusCode, headers: response.headers, body: response.body };
    };

    beforeAll(async () => {
      server = await startTestServer(backend);
      auth = (await server.createUser('alice')).auth;
      walkerAuth = (await server.createUser('walker')).auth;
      const created = await send(server.app, 'POST', '/api/products/', { auth, payload: { display_name: 'Headers', product_type: 'training_set', description: '**hi**' } });
      productId = (JSON.parse(created.body) as { id: number }).id;
      const form = multipartForm([{ name: 'product', value: String(productId) }, { name: 'role', value: '2' }, { name: 'file', filename: 'page.html', content: '<script>alert(1)</script>', contentType: 'text/html' }]);
      const uploaded = await server.app.inject({ method: 'POST', url: '/api/product-files/', payload: form.payload, headers: { ...form.headers, authorization: auth } });
      expect(uploaded.statusCode).toBe(201);
      fileId = (JSON.parse(uploaded.body) as { id: number }).id;
      // A second app on the same services, built with an onRoute listener, to walk every route it has.
      walker = await buildApp(server.deps, { onRoute: (route) => routes.push({ methods: [route.method].flat() as Method[], url: route.url }) });
      walker.get('/test/throws', async () => {
        throw new Error('a bug');
      });
      await walker.ready();
    }, 240_000);
    afterAll(async () => {
      await walker.close();
      await server.stop();
    });

    it('are on the response of every registered route, called with and without a token', async () => {
      expect(routes.length).toBeGreaterThan(40);
      const problems: string[] = [];
      let requests = 0;
      for (const { methods, url } of routes) {
        const path = url.replace(/:(\w+)/g, (_m, name: string) => SAMPLE_PARAMS[name] ?? (name === 'id' ? String(productId) : 'x')).replace('*', SAMPLE_PARAMS['*'] as string) + (SAMPLE_QUERIES[url] ?? '');
        for (const method of methods) {
          for (const caller of [walkerAuth, undefined]) {
            const payload = ['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined;
            problems.push(...headerProblems(await send(walker, method, path, { ...(caller ? { auth: caller } : {}), ...(payload ? { payload } : {}) })));
            requests++;
          }
        }
      }
      expect(requests).toBeGreaterThan(100);
      expect(problems).toEqual([]);
    });

    it('are on errors, 404s, 405s, an unhandled exception and the rate limiter\'s 429', async () => {
      const seen = [
        await send(walker, 'GET', '/no/such/route'),
        await send(walker, 'GET', '/api/products/999999/', { auth }),
        await send(walker, 'GET', '/api/products/'),
        await send(walker, 'POST', '/api/products/', { auth, payload: { display_name: 7 } }),
        await send(walker, 'PUT', '/api/product-files/', { auth }),
        await send(walker, 'GET', '/test/throws'),
      ];
      expect(seen.map((s) => s.status)).toEqual([404, 404, 401, 400, 405, 500]);
      for (let i = 0; i < 30; i++) seen.push(await send(walker, 'POST', '/api/auth/login/', { payload: { username: 'nobody', password: 'wrong password' } }));
      expect(seen.some((s) => s.status === 429)).toBe(true);
      expect(seen.flatMap(headerProblems)).toEqual([]);
      expect(seen.map((s) => s.headers['content-security-policy'])).toContain(API_CSP);
    });

    it('keep the sandbox policy of served user files, attachments and inline alike', async () => {
      const attachment = await send(server.app, 'GET', `/api/product-files/${fileId}/content/`, { auth });
      expect(attachment.status).toBe(200);
      expect(attachment.headers).toMatchObject({ 'content-security-policy': 'sandbox', 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff' });
      const inline = await send(server.app, 'GET', `/api/product-files/${fileId}/content/?inline=1`, { auth });
      expect(inline.headers).toMatchObject({ 'content-security-policy': "sandbox; frame-ancestors 'self'", 'x-frame-options': 'SAMEORIGIN', 'referrer-policy': 'no-referrer' });
      let prepared = await send(server.app, 'POST', `/api/products/${productId}/download/prepare/`, { auth });
      while ((JSON.parse(prepared.body) as Json).status !== 'ready') prepared = await send(server.app, 'GET', `/api/products/${productId}/download/status/`, { auth });
      const download = await send(server.app, 'GET', String((JSON.parse(prepared.body) as Json).download_url).replace('http://pz.test', ''));
      expect(download.status).toBe(200);
      expect([attachment, inline, prepared, download].flatMap(headerProblems)).toEqual([]);
    });

    it('give the docs UI its own policy, under which its page, scripts, styles and OpenAPI document load from this origin', async () => {
      let page = await send(server.app, 'GET', '/api/docs');
      for (let hops = 0; page.status >= 300 && page.status < 400 && hops < 3; hops++) page = await send(server.app, 'GET', new URL(String(page.headers.location), `http://pz.test${page.what.split(' ')[1]}`).pathname);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toBe(DOCS_CSP);
      // The policy has no 'unsafe-inline': every script must come from a file.
      expect(page.body.match(/<script\b[^>]*>/g)?.every((tag) => / src="/.test(tag))).toBe(true);
      const base = `http://pz.test${page.what.split(' ')[1]}`;
      const assets = [...page.body.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="([^"]+)"/g)].map((m) => new URL(m[1] as string, base).pathname);
      expect(assets.filter((a) => a.endsWith('.js'))).toHaveLength(3);
      for (const asset of assets) {
        const loaded = await send(server.app, 'GET', asset);
        expect(loaded.status, asset).toBe(200);
        expect(loaded.headers['content-type'], asset).toMatch(asset.endsWith('.js') ? /javascript/ : asset.endsWith('.css') ? /text\/css/ : /image/);
        expect(loaded.headers['content-security-policy'], asset).toBe(DOCS_CSP);
        expect(headerProblems(loaded).filter((p) => !p.includes('content-security-policy'))).toEqual([]);
      }
      const initializer = await send(server.app, 'GET', assets.find((a) => a.endsWith('swagger-initializer.js')) as string);
      expect(initializer.body).toMatch(/SwaggerUIBundle/);
      const document = await send(server.app, 'GET', '/api/docs/json');
      expect(document.status).toBe(200);
      expect((JSON.parse(document.body) as Json).openapi).toMatch(/^3\./);
      expect(DOCS_CSP).toMatch(/script-src 'self'(;|$)/);
      expect(DOCS_CSP).toMatch(/connect-src 'self'/);
      expect(DOCS_CSP).toMatch(/frame-ancestors 'none'/);
    });

    it('add Strict-Transport-Security only when the server is configured as behind TLS', async () => {
      const tls = await buildApp({ ...server.deps, config: { ...server.deps.config, secureCookies: true } });
      try {
        for (const url of ['/api/', '/no/such/route', '/api/docs/json']) {
          expect((await send(tls, 'GET', url)).headers['strict-transport-security'], url).toBe('max-age=31536000; includeSubDomains');
        }
      } finally {
        await tls.close();
      }
      expect((await send(server.app, 'GET', '/api/')).headers['strict-transport-security']).toBeUndefined();
    });
  });
}
