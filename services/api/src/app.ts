import Fastify, { type RouteOptions } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { authenticate } from './auth/authenticate';
import { ANONYMOUS, type RequestCaller } from './auth/caller';
import { TokenCallers } from './auth/token-callers';
import type { AppDeps } from './deps';
import { clientErrorAnswerer, frameworkErrorAnswerer } from './http/client-errors';
import { refuseMalformedIfMatch } from './http/if-match';
import { fastifyTrustProxy } from './http/trust-proxy';
import { lenientValidatorCompiler, parseFormBody } from './http/lenient-validation';
import type { PzApp } from './http/app-types';
import { sendProblem } from './http/problem';
import { readYourWrites } from './http/read-your-writes';
import { addSecurityHeaders } from './http/security-headers';
import { accountRoutes } from './routes/account';
import { productRoutes } from './routes/products';
import { referenceRoutes } from './routes/reference-data';
import { productFileRoutes } from './routes/product-files';
import { productContentsRoutes } from './routes/product-contents';
import { registryRoutes } from './routes/registry';
import { downloadRoutes } from './routes/downloads';
import { shareRoutes } from './routes/shares';
import { isPortalRequest, servePortal, type PortalHandler } from './portal/portal-handler';
import { ledgerRoutes } from './routes/ledger';
import { provenanceRoutes } from './routes/provenance';
import { historyRoutes } from './routes/history';
import { auditRoutes } from './routes/audit';
import { eventRoutes } from './routes/events';

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: { additionalProperty?: string; missingProperty?: string };
}

/** Ajv's first issue as a sentence naming the field: `body.display_name must be string`. */
function describeValidation(context: string, issues: ValidationIssue[]): { message: string; field?: string } {
  const issue = issues[0] ?? {};
  const path = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const field = issue.params?.additionalProperty ?? issue.params?.missingProperty ?? (path || undefined);
  if (issue.params?.additionalProperty) return { message: `${context}: unknown field "${issue.params.additionalProperty}"`, field };
  if (issue.params?.missingProperty) return { message: `${context}: "${issue.params.missingProperty}" is required`, field };
  return { message: `${context}${path ? `.${path}` : ''} ${issue.message ?? 'is invalid'}`, ...(field ? { field } : {}) };
}

// eslint-disable-next-line no-control-regex -- NUL is the point: PostgreSQL text cannot hold it
const UNSTORABLE = /[\u0000\p{Cs}]/u;

interface Visit {
  readonly value: unknown;
  readonly key: string;
  readonly parent: Visit | null;
}
function pathOf(visit: Visit): string {
  const keys: string[] = [];
  for (let at: Visit | null = visit; at !== null; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.').slice(0, 200);
}

/** Where a parsed body or query holds text PostgreSQL cannot store (NUL, a lone surrogate), or null. Iterative: JSON nests deeper than the stack. */
function unstorableText(root: unknown, rootName: string): string | null {
  const pending: Visit[] = [{ value: root, key: rootName, parent: null }];
  for (let visit = pending.pop(); visit !== undefined; visit = pending.pop()) {
    const { value } = visit;
    if (typeof value === 'string' && UNSTORABLE.test(value)) return pathOf(visit);
    if (typeof value !== 'object' || value === null) continue;
    for (const [key, item] of Object.entries(value)) {
      if (UNSTORABLE.test(key)) return pathOf(visit);
      pending.push({ value: item, key, parent: visit });
    }
  }
  return null;
}

export interface AppOptions {
  readonly logger?: boolean | { level: string };
  /** Told of every route as it is registered (the security-header test walks them all). */
  readonly onRoute?: (route: RouteOptions) => void;
  /** The built SvelteKit portal, answering every GET/HEAD outside /api/ (`npm start` sets it). */
  readonly portal?: PortalHandler | null;
}

const DOCS_PREFIX = '/api/docs';

/** The Fastify app: plugins, authentication, error shape, and every route module. */
export async function buildApp(deps: AppDeps, options: AppOptions = {}): Promise<PzApp> {
  const app = Fastify({
    logger: options.logger ?? false,
    // The pzserver client sometimes builds `/api//products/`: treat `//` as `/`.
    rewriteUrl: (req) => (req.url ?? '/').replace(/\/{2,}/g, '/'),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    bodyLimit: 1024 * 1024,
    trustProxy: fastifyTrustProxy(deps.config.trustProxy),
    clientErrorHandler: clientErrorAnswerer({ behindTls: deps.config.secureCookies, docsPrefix: DOCS_PREFIX }),
    frameworkErrors: frameworkErrorAnswerer({ behindTls: deps.config.secureCookies, docsPrefix: DOCS_PREFIX }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Unknown body fields dropped, JSON never coerced (null stays null), forms and queries coerced.
  app.setValidatorCompiler(lenientValidatorCompiler());

  app.decorate('deps', deps);
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  // First, so that the hook reaches every plugin's routes, the docs UI's included.
  addSecurityHeaders(app, { behindTls: deps.config.secureCookies, docsPrefix: DOCS_PREFIX });
  // Set for every request by the onRequest hook below; anonymous until then.
  const callers = new WeakMap<object, RequestCaller>();
  app.decorateRequest('caller', {
    getter(this: object): RequestCaller {
      return callers.get(this) ?? ANONYMOUS;
    },
    setter(this: object, value: RequestCaller) {
      callers.set(this, value);
    },
  });
  // JSON is UTF-8 (RFC 8259): a body that is not is a 400, not text with U+FFFD in it. No route reads text/plain.
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    // No body with a JSON content type (the pzserver client's GET, OPTIONS, DELETE, empty POST) is no body.
    if ((body as Buffer).length === 0) return done(null, undefined);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body as Buffer);
    } catch {
      return done(Object.assign(new Error('the JSON body is not valid UTF-8'), { statusCode: 400, code: 'VALIDATION_FAILED' }), undefined);
    }
    parseJson(request, text, done);
  });
  // Refused at the door, as a 400 naming where it is, rather than failing a query as a 500.
  app.addHook('preValidation', async (request, reply) => {
    const where = unstorableText(request.query, 'querystring') ?? unstorableText(request.body, 'body');
    if (where === null) return;
    return sendProblem(reply, { code: 'VALIDATION_FAILED', message: `${where} holds a NUL character or a lone UTF-16 surrogate (\\u0000, \\uD800-\\uDFFF), which cannot be stored`, field: where.split('.').at(-1) ?? where });
  });
  app.addHook('preValidation', refuseMalformedIfMatch);
  await app.register(cookie);
  await app.register(formbody, { parser: parseFormBody });
  // Only the routes that declare `config.rateLimit` (login, sign-up, token) are limited.
  await app.register(rateLimit, { global: false, store: deps.rateLimitStore, errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, code: 'RATE_LIMITED', message: `too many attempts; retry in ${Math.ceil(ctx.ttl / 1000)} s` }) });
  await app.register(multipart, { limits: { fileSize: deps.config.maxUploadBytes, files: 1, fields: 20, fieldSize: 64 * 1024 } });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Photo-z Server API', version: '0.1.0', description: 'pzserver-compatible HTTP API of the Photo-z Server' },
      components: { securitySchemes: { token: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Token <key>' } } },
      security: [{ token: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });

  // Before authentication: a token issued through another process must be known here first.
  readYourWrites(app, { projector: deps.projector, store: deps.store, mode: deps.config.readYourWrites });
  const tokens = new TokenCallers(deps.catalogue, deps.projector);
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith(DOCS_PREFIX)) return;
    // Portal pages and assets are public files: the page's own API calls authenticate.
    if (options.portal && isPortalRequest(request)) return;
    await authenticate(deps, tokens, request, reply);
  });

  app.setErrorHandler((error, request, reply) => {
    const e = error as { validation?: unknown; validationContext?: string; message?: string; statusCode?: number; code?: string };
    if (Array.isArray(e.validation)) {
      const problem = describeValidation(e.validationContext ?? 'request', e.validation as ValidationIssue[]);
      return sendProblem(reply, { code: 'VALIDATION_FAILED', ...problem });
    }
    if (e.statusCode === 413 || e.code === 'FST_REQ_FILE_TOO_LARGE') return sendProblem(reply, { code: 'PAYLOAD_TOO_LARGE', message: e.message ?? 'request too large' });
    if (e.statusCode === 415 || e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const sent = request.headers['content-type'] ?? 'none';
      return sendProblem(reply, { code: 'UNSUPPORTED_MEDIA_TYPE', message: `Unsupported Media Type: content type "${sent}" is not accepted here; send application/json (multipart/form-data for file uploads)` });
    }
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.code(e.statusCode).send({ detail: e.message ?? 'bad request', code: e.code ?? 'BAD_REQUEST' });
    }
    reply.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send({ detail: 'internal server error', code: 'INTERNAL' });
  });
  const portal = options.portal;
  app.setNotFoundHandler((request, reply) => portal && isPortalRequest(request) ? servePortal(portal, request, reply, deps.config.secureCookies) : sendProblem(reply, { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` }));

  await app.register(accountRoutes);
  await app.register(referenceRoutes);
  await app.register(productRoutes);
  await app.register(productFileRoutes);
  await app.register(productContentsRoutes);
  await app.register(registryRoutes);
  await app.register(downloadRoutes);
  await app.register(shareRoutes);
  await app.register(ledgerRoutes);
  await app.register(provenanceRoutes);
  await app.register(historyRoutes);
  await app.register(auditRoutes);
  await app.register(eventRoutes);
  return app;
}
