import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { FileRole, streamName, type EventData } from '@pz/contracts';
import { productDecider } from '@pz/domain';
import { commandContext, domainCaller, requireUser, type AuthenticatedCaller } from '../auth/authenticate';
import { eventIdFor } from '../commands/event-ids';
import { sendBody } from '../downloads/send-download';
import { parseRange } from '../files/byte-range';
import { contentDisposition } from '../files/content-disposition';
import { ProductFileSchema, productFileJson } from '../files/file-json';
import { visibleProductsWhere } from '../visibility/product-visibility';
import { findFileRow, visibleFileRows, type FileRow } from '../files/file-rows';
import { chooseMediaType, parseDeclaredType, servingPolicy } from '../files/media-type';
import { receiveUpload, tooLarge, type Admission, type UploadFields } from '../files/receive-upload';
import { storedBytesLimit } from '../files/storage-rule';
import type { PzApp } from '../http/app-types';
import { optionsMetadata } from '../http/options-metadata';
import { ListSchema, PaginationQuery, isProblem, readPage } from '../http/pagination';
import { sendProblem, type Problem } from '../http/problem';
import { Detail } from './schemas';

const IdParams = Type.Object({ id: Type.String({ pattern: '^\\d{1,9}$' }) });

const FILTERS = ['product_id', 'product', 'id'] as const;
const ORDERING = ['id', 'role'] as const;
const ListQuery = Type.Object(
  {
    ...PaginationQuery,
    product_id: Type.Optional(Type.String({ description: 'files of this product' })),
    product: Type.Optional(Type.String({ description: 'same as product_id' })),
    id: Type.Optional(Type.String()),
    ordering: Type.Optional(Type.String({ description: `${ORDERING.join(', ')}; prefix - for descending (default id)` })),
  },
  { additionalProperties: false },
);

const UploadForm = Type.Object({
  product: Type.Integer({ description: 'the product id; send it before the file' }),
  role: Type.Optional(Type.Integer({ description: '0 main (default), 1 description, 2 auxiliary; send it before the file' })),
  type: Type.Optional(Type.String({ description: "MIME type; default: the part's Content-Type, else the extension's" })),
  file: Type.String({ format: 'binary', description: 'the file, after product and role; streamed into the hash store' }),
});

/** The body of OPTIONS on the list, which the pzserver client reads to validate filter names. */
const ListMetadata = Type.Unsafe<ReturnType<typeof optionsMetadata>>(Type.Object({
  name: Type.String(),
  description: Type.String(),
  renders: Type.Array(Type.String()),
  parses: Type.Array(Type.String()),
  filter_classes: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
  filterset: Type.Array(Type.String()),
  search: Type.Array(Type.String()),
  ordering: Type.Array(Type.String()),
}));

const ContentQuery = Type.Object({
  inline: Type.Optional(Type.String({ description: '1 shows HTML, PDF and images inline (sandboxed) instead of as an attachment' })),
});
// Typed as what the handler sends (a stream; nothing for HEAD); documented, never serialised, as binary.
const Bytes = {
  description: 'the raw file (206 for a byte range)',
  content: { 'application/octet-stream': { schema: Type.Unsafe<Readable | undefined>(Type.String({ format: 'binary' })) } },
};

/**
 * Room for the text fields and part headers beside the file. A body declared longer than the
 * upload limit plus this cannot hold an acceptable file, and is refused before it is read.
 */
const FORM_OVERHEAD_BYTES = 2 * 1024 * 1024;

const ROLE_BY_NAME: Readonly<Record<string, FileRole>> = { '0': 0, '1': 1, '2': 2, main: 0, description: 1, auxiliary: 2 };

function parseProductField(value: string | undefined): number | Problem {
  if (value === undefined || value === '') return { code: 'VALIDATION_FAILED', message: 'product is required: send the product id before the file part', field: 'product' };
  if (!/^\d{1,9}$/.test(value)) return { code: 'VALIDATION_FAILED', message: `product must be a product id (an integer), got "${value.slice(0, 50)}"`, field: 'product' };
  return Number(value);
}

/** pzserver's model defaults a missing role to main, and its client leaves the field out for roles it cannot map. */
function parseRoleField(value: string | undefined): FileRole | Problem {
  if (value === undefined || value === '') return FileRole.Main;
  return ROLE_BY_NAME[value.toLowerCase()] ?? { code: 'VALIDATION_FAILED', message: `role must be 0 (main), 1 (description) or 2 (auxiliary), got "${value.slice(0, 50)}"`, field: 'role' };
}

const parseOptionalType = (value: string | undefined): string | undefined | Problem => (value ? parseDeclaredType(value) : undefined);

function parseIdFilter(query: Record<string, string | undefined>, name: (typeof FILTERS)[number]): number | undefined | Problem {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  return /^\d{1,9}$/.test(value) ? Number(value) : { code: 'VALIDATION_FAILED', message: `${name} must be an integer`, field: name };
}

const wantsInline = (value: string | undefined): boolean => value !== undefined && ['1', 'true', 'yes'].includes(value.toLowerCase());

/** Whether an `If-None-Match` list names this entity tag (weak comparison, as RFC 9110 asks for it). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

interface UploadTarget {
  readonly productId: number;
  readonly role: FileRole;
  /** Set when this request repeats an upload already recorded under the same Idempotency-Key. */
  readonly replayOf?: number;
}

/** `/api/product-files/`: upload, list, retrieve and delete the files of a product, and serve their bytes. */
export async function productFileRoutes(app: PzApp): Promise<void> {
  const { deps } = app;
  const db = deps.catalogue;
  const { config } = deps;
  const { uploadSlots } = deps;

  /**
   * The file an earlier request with the same command id (Idempotency-Key) attached. Its retry
   * decides a new file id, but the store keeps the first event, so the answer must name that one.
   */
  const fileAttachedBy = async (productId: number, commandId: string): Promise<number | undefined> => {
    const stream = streamName('product', productId);
    const eventId = eventIdFor(commandId, stream, 0);
    const event = (await deps.store.readStream(stream)).find((e) => e.id === eventId);
    return event?.type === 'ProductFileAttached' ? (event.data as EventData<'ProductFileAttached'>).fileId : undefined;
  };

  /** Decided from the fields that precede the file part, before any of its bytes are stored. */
  const admitUpload = async (caller: AuthenticatedCaller, fields: UploadFields, idempotentCommandId: string | null): Promise<Admission<UploadTarget>> => {
    const productId = parseProductField(fields.product);
    if (typeof productId !== 'number') return productId;
    const role = parseRoleField(fields.role);
    if (typeof role !== 'number') return role;
    const declared = parseOptionalType(fields.type);
    if (typeof declared === 'object') return declared;
    const product = await db.selectFrom('products').select(['owner_id', 'status', 'product_type_name']).where('id', '=', productId).where(visibleProductsWhere(caller, { includeDeleted: true })).executeTakeFirst();
    const isOwner = product?.owner_id === caller.userId;
    if (!product) return { code: 'NOT_FOUND', message: `product ${productId} not found`, field: 'product' };
    if (!isOwner) return { code: 'FORBIDDEN', message: `only the owner of product ${productId} may add files to it` };
    if (product.status === 2) return { code: 'INVALID_STATE', message: `product ${productId} was deleted; files cannot be added to it` };
    const replayOf = idempotentCommandId === null ? undefined : await fileAttachedBy(productId, idempotentCommandId);
    if (replayOf !== undefined) return { admitted: { productId, role, replayOf }, storeAtMost: storedBytesLimit(config, product.product_type_name, role) };
    if (role === FileRole.Main) {
      const main = await db.selectFrom('product_files').select('name').where('product_id', '=', productId).where('role', '=', FileRole.Main).executeTakeFirst();
      if (main) return { code: 'VALIDATION_FAILED', message: `product ${productId} already has a main file ("${main.name}"); delete it first`, field: 'role' };
    }
    return { admitted: { productId, role }, storeAtMost: storedBytesLimit(config, product.product_type_name, role) };
  };

  /** The file row the product's owner or an admin can see, or a 404 already sent. */
  const visibleFile = async (caller: AuthenticatedCaller, id: string, reply: FastifyReply): Promise<FileRow | null> => {
    const row = await visibleFileRows(db, caller).where('product_files.id', '=', Number(id)).executeTakeFirst();
    if (row) return row;
    await sendProblem(reply, { code: 'NOT_FOUND', message: `product file ${id} not found` });
    return null;
  };

  app.post('/api/product-files/', {
    schema: {
      summary: 'Upload a file of a product (multipart: product, role, type, then file)',
      description:
        'Only the product owner may add files. The fields product and role must precede the file part (python-requests and browser FormData send them first); type may come on either side. ' +
        'The file is streamed into the hash store; identical content is stored once. Main files of photo-z estimates above MAX_STORED_ESTIMATE_BYTES keep only their metadata (stored: false). ' +
        'Each user may have MAX_CONCURRENT_UPLOADS_PER_USER uploads in progress at once (default 4); one more is refused with 429 (code TOO_MANY_UPLOADS) before anything is stored.',
      consumes: ['multipart/form-data'],
      body: UploadForm,
      response: { 201: ProductFileSchema, 400: Detail, 401: Detail, 403: Detail, 404: Detail, 409: Detail, 413: Detail, 415: Detail, 429: Detail },
    },
    // The form above documents the upload; the handler reads and checks it as it streams, since
    // a streamed multipart body is never a parsed object Ajv could validate.
    validatorCompiler: () => () => true,
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    if (!request.isMultipart()) {
      return sendProblem(reply, { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send multipart/form-data: the fields product, role and type, then the file' });
    }
    if (Number(request.headers['content-length']) > config.maxUploadBytes + FORM_OVERHEAD_BYTES) {
      reply.header('Connection', 'close');
      return sendProblem(reply, tooLarge(config.maxUploadBytes));
    }
    const slot = await uploadSlots.acquire(caller.userId);
    if (isProblem(slot)) {
      // The body is left unread: closing the connection stops the client sending it.
      reply.header('Connection', 'close').header('Retry-After', '1');
      return sendProblem(reply, slot);
    }
    // A client that goes away may leave the body's stream waiting forever: its slot is freed anyway.
    reply.raw.once('close', () => void slot.release());
    try {
      return await storeUpload(request, reply, caller);
    } finally {
      await slot.release();
    }
  });

  /** The upload itself, once it holds a slot: read the form, store the file, record the event. */
  const storeUpload = async (request: FastifyRequest, reply: FastifyReply, caller: AuthenticatedCaller): Promise<FastifyReply> => {
    const context = commandContext(request, caller);
    const idempotentCommandId = request.headers['idempotency-key'] === undefined ? null : context.commandId;
    const upload = await receiveUpload(request, { blobs: deps.blobs, maxBytes: config.maxUploadBytes, admit: (fields) => admitUpload(caller, fields, idempotentCommandId) });
    if (isProblem(upload)) return sendProblem(reply, upload);
    const declared = parseOptionalType(upload.fields.type);
    if (typeof declared === 'object') return sendProblem(reply, declared);
    if (upload.digest.size === 0) return sendProblem(reply, { code: 'VALIDATION_FAILED', message: 'the submitted file is empty', field: 'file' });

    const { productId, role, replayOf } = upload.admitted;
    let id = replayOf;
    if (id === undefined) {
      const [allocated] = await deps.allocateIds('file');
      id = allocated as number;
      // The blob is already in the store; if this command is refused, no event names it and the sweep removes it.
      const result = await deps.bus.execute(productDecider, streamName('product', productId), {
        type: 'AttachProductFile',
        caller: domainCaller(caller),
        file: {
          fileId: id,
          role,
          name: upload.name.name,
          mimeType: chooseMediaType(declared, upload.partType, upload.name.extension),
          extension: upload.name.extension,
          ...upload.digest,
          stored: upload.stored,
        },
      }, context);
      if (!result.ok) return sendProblem(reply, result.error);
    }
    const row = await findFileRow(db, id);
    if (!row) throw new Error(`product file ${id} was attached but is not in the read model`);
    return reply.code(201).send(productFileJson(row, caller, config.publicUrl));
  };

  app.get('/api/product-files/', {
    schema: { summary: 'List product files (filters: product_id, product, id)', querystring: ListQuery, response: { 200: ListSchema(ProductFileSchema), 400: Detail, 401: Detail } },
  }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const page = readPage(request.query);
    if (isProblem(page)) return sendProblem(reply, page);
    const filters: Partial<Record<(typeof FILTERS)[number], number>> = {};
    for (const name of FILTERS) {
      const value = parseIdFilter(request.query, name);
      if (typeof value === 'object') return sendProblem(reply, value);
      if (value !== undefined) filters[name] = value;
    }
    const ordering = request.query.ordering || 'id';
    const column = ordering.replace(/^-/, '');
    if (!(ORDERING as readonly string[]).includes(column)) {
      return sendProblem(reply, { code: 'VALIDATION_FAILED', message: `ordering must be one of ${ORDERING.join(', ')} (prefix - for descending)`, field: 'ordering' });
    }
    let query = visibleFileRows(db, caller);
    if (filters.product_id !== undefined) query = query.where('product_files.product_id', '=', filters.product_id);
    if (filters.product !== undefined) query = query.where('product_files.product_id', '=', filters.product);
    if (filters.id !== undefined) query = query.where('product_files.id', '=', filters.id);
    const counted = await query.clearSelect().select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirst();
    const direction = ordering.startsWith('-') ? 'desc' : 'asc';
    const rows = await query
      .orderBy(column === 'role' ? 'product_files.role' : 'product_files.id', direction)
      .orderBy('product_files.id', direction)
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return { count: Number(counted?.count ?? 0), results: rows.map((r) => productFileJson(r, caller, config.publicUrl)) };
  });

  app.options('/api/product-files/', { schema: { summary: 'Filter and ordering metadata of the product file list', response: { 200: ListMetadata } } }, async () =>
    optionsMetadata('Product File List', 'Files of photo-z data products', FILTERS.map((name) => ({ name, type: 'NumberFilter' })), [], [...ORDERING]),
  );

  app.get('/api/product-files/:id/', { schema: { summary: 'One product file', params: IdParams, response: { 200: ProductFileSchema, 401: Detail, 404: Detail } } }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const row = await visibleFile(caller, request.params.id, reply);
    if (!row) return reply;
    return productFileJson(row, caller, config.publicUrl);
  });

  app.delete('/api/product-files/:id/', { schema: { summary: 'Remove a file from its product (owner or admin)', params: IdParams, response: { 204: Type.Null(), 401: Detail, 403: Detail, 404: Detail, 409: Detail } } }, async (request, reply) => {
    const caller = requireUser(request, reply);
    if (!caller) return reply;
    const row = await visibleFile(caller, request.params.id, reply);
    if (!row) return reply;
    const result = await deps.bus.execute(productDecider, streamName('product', row.product_id), { type: 'RemoveProductFile', caller: domainCaller(caller), fileId: row.id }, commandContext(request, caller));
    if (!result.ok) return sendProblem(reply, result.error);
    return reply.code(204).send(null);
  });

  // HEAD is declared here rather than derived: Fastify's derived HEAD would read the whole blob to discard it.
  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/product-files/:id/content/',
    schema: {
      summary: 'The raw bytes of a product file (Range supported; always sandboxed)',
      params: IdParams,
      querystring: ContentQuery,
      response: { 200: Bytes, 206: Bytes, 304: Type.Null(), 401: Detail, 404: Detail, 416: Detail },
    },
    handler: async (request, reply) => {
      const caller = requireUser(request, reply);
      if (!caller) return reply;
      const row = await visibleFile(caller, request.params.id, reply);
      if (!row) return reply;
      if (!row.stored) {
        return sendProblem(reply, {
          code: 'NOT_FOUND',
          message: `product file ${row.id} ("${row.name}") has no stored content: only its metadata is kept (photo-z estimate main files over ${config.maxStoredEstimateBytes} bytes are not stored)`,
        });
      }
      const size = Number(row.size);
      const etag = `"${row.sha256}"`;
      const policy = servingPolicy(row.mime_type, wantsInline(request.query.inline));
      reply
        .header('Content-Security-Policy', policy.contentSecurityPolicy)
        .header('X-Content-Type-Options', 'nosniff')
        .header('ETag', etag)
        .header('Accept-Ranges', 'bytes')
        .header('Cache-Control', 'private, no-cache');
      if (matchesEtag(request.headers['if-none-match'], etag)) return reply.code(304).send(null);
      // An If-Range naming anything but this content (another tag, a date) gets the whole file.
      const ifRange = request.headers['if-range'];
      const range = ifRange === undefined || String(ifRange).trim() === etag ? parseRange(request.headers.range, size) : parseRange(undefined, size);
      if (range.kind === 'unsatisfiable') {
        reply.header('Content-Range', `bytes */${size}`);
        return sendProblem(reply, { code: 'RANGE_NOT_SATISFIABLE', message: `the requested range ${request.headers.range ?? ''} is outside the ${size} bytes of this file` });
      }
      // Only now, so that an error body above is not offered as a download named like the file.
      reply
        .header('Content-Type', policy.contentType)
        .header('Content-Disposition', contentDisposition(policy.disposition, row.name))
        .header('X-Frame-Options', policy.frameOptions);
      if (range.kind === 'partial') {
        reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${size}`).header('Content-Length', range.end - range.start + 1);
      } else {
        reply.header('Content-Length', size);
      }
      const length = range.kind === 'partial' ? range.end - range.start + 1 : size;
      if (request.method === 'HEAD' || length === 0) return reply.send(undefined);
      const opened = await deps.blobs.openReader(row.sha256, range.kind === 'partial' ? { start: range.start, end: range.end } : {});
      if (!opened.ok) throw new Error(`content of product file ${row.id} (sha256 ${row.sha256}) cannot be read from the hash store: ${opened.error.message}`);
      return sendBody(request, reply, opened.value, length);
    },
  });

  const refuse = (url: string, methods: ('PUT' | 'PATCH' | 'DELETE')[], allow: string, message: string) =>
    app.route({ method: methods, url, schema: { hide: true, response: { 405: Detail } }, handler: async (_request, reply) => sendProblem(reply.header('Allow', allow), { code: 'METHOD_NOT_ALLOWED', message }) });
  refuse('/api/product-files/', ['PUT', 'PATCH', 'DELETE'], 'GET, POST, OPTIONS', 'the product file list accepts GET and POST (upload) only');
  refuse('/api/product-files/:id/', ['PUT', 'PATCH'], 'GET, DELETE', 'product files cannot be changed: delete the file and upload it again');
}
