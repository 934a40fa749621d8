import Fastify from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { authenticate } from './auth/authenticate';
import { ANONYMOUS, type RequestCaller } from './auth/caller';
import type { AppDeps } from './deps';
import type { PzApp } from './http/app-types';
import { sendProblem } from './http/problem';
import { accountRoutes } from './routes/account';
import { productRoutes } from './routes/products';
import { referenceRoutes } from './routes/reference-data';
import { productFileRoutes } from './routes/product-files';
import { productContentsRoutes } from './routes/product-contents';
import { registryRoutes } from './routes/registry';
import { downloadRoutes } from './routes/downloads';
import { shareRoutes } from './routes/shares';

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

export interface AppOptions {
  readonly logger?: boolean | { level: string };
}

/** The Fastify app: plugins, authentication, error shape, and every route module. */
export async function buildApp(deps: AppDeps, options: AppOptions = {}): Promise<PzApp> {
  const app = Fastify({
    logger: options.logger ?? false,
    // The pzserver client sometimes builds `/api//products/`: treat `//` as `/`.
    rewriteUrl: (req) => (req.url ?? '/').replace(/\/{2,}/g, '/'),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    bodyLimit: 1024 * 1024,
    trustProxy: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('deps', deps);
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
  await app.register(cookie);
  await app.register(formbody);
  // Only the routes that declare `config.rateLimit` (login, sign-up, token) are limited.
  await app.register(rateLimit, { global: false, errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, code: 'RATE_LIMITED', detail: `too many attempts; retry in ${Math.ceil(ctx.ttl / 1000)} s` }) });
  await app.register(multipart, { limits: { fileSize: deps.config.maxUploadBytes, files: 1, fields: 20, fieldSize: 64 * 1024 } });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Photo-z Server API', version: '0.1.0', description: 'pzserver-compatible HTTP API of the Photo-z Server' },
      components: { securitySchemes: { token: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Token <key>' } } },
      security: [{ token: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Referrer-Policy', 'same-origin');
    if (request.url.startsWith('/api/docs')) return;
    await authenticate(deps, request, reply);
  });

  app.setErrorHandler((error, _request, reply) => {
    const e = error as { validation?: unknown; validationContext?: string; message?: string; statusCode?: number; code?: string };
    if (Array.isArray(e.validation)) {
      const problem = describeValidation(e.validationContext ?? 'request', e.validation as ValidationIssue[]);
      return sendProblem(reply, { code: 'VALIDATION_FAILED', ...problem });
    }
    if (e.statusCode === 413 || e.code === 'FST_REQ_FILE_TOO_LARGE') return sendProblem(reply, { code: 'PAYLOAD_TOO_LARGE', message: e.message ?? 'request too large' });
    if (e.statusCode === 415 || e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendProblem(reply, { code: 'UNSUPPORTED_MEDIA_TYPE', message: e.message ?? 'unsupported content type' });
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.code(e.statusCode).send({ detail: e.message ?? 'bad request', code: e.code ?? 'BAD_REQUEST' });
    }
    reply.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send({ detail: 'internal server error', code: 'INTERNAL' });
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` }));

  await app.register(accountRoutes);
  await app.register(referenceRoutes);
  await app.register(productRoutes);
  await app.register(productFileRoutes);
  await app.register(productContentsRoutes);
  await app.register(registryRoutes);
  await app.register(downloadRoutes);
  await app.register(shareRoutes);
  return app;
}
