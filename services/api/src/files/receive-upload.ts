import type { FastifyRequest } from 'fastify';
import type { Multipart, MultipartFile, MultipartValue } from '@fastify/multipart';
import type { BlobStore, ContentDigest } from '@pz/blobs';
import type { Problem } from '../http/problem';
import { cleanFileName, type FileName } from './file-name';
import { UploadReader } from './upload-reader';

/** The text fields of the upload form, as sent. Others are ignored, as pzserver's server did. */
export interface UploadFields {
  product?: string;
  role?: string;
  type?: string;
}
type UploadFieldName = keyof UploadFields;
const isUploadField = (name: string): name is UploadFieldName => name === 'product' || name === 'role' || name === 'type';

/** The route's verdict on an upload when its file part arrives: refused, or how many bytes to keep. */
export type Admission<T> = { readonly admitted: T; readonly storeAtMost: number } | Problem;

export interface ReceivedFile<T> {
  readonly fields: UploadFields;
  readonly admitted: T;
  readonly name: FileName;
  /** The part's own Content-Type (`text/plain` when the client sent none). */
  readonly partType: string;
  readonly digest: ContentDigest;
  /** False when the file was over `storeAtMost`: hashed while streaming, bytes not kept. */
  readonly stored: boolean;
}

export interface ReceiveOptions<T> {
  readonly blobs: BlobStore;
  /** The upload limit; above it nothing is kept and the answer is 413. */
  readonly maxBytes: number;
  readonly admit: (fields: UploadFields, name: FileName) => Promise<Admission<T>>;
}

const isProblem = <V extends object>(value: V | Problem): value is Problem => 'code' in value && 'message' in value;

/**
 * Reads a `multipart/form-data` upload: text fields and one part named `file`, streamed into the
 * hash store as it arrives. `product` and `role` must come before the file, the order
 * python-requests and browsers' FormData use, so that a refused upload is decided before a byte is
 * stored; `type` may come on either side. After a refusal the remaining parts are still read (and
 * thrown away), so the client receives the answer rather than a reset connection.
 */
export async function receiveUpload<T>(request: FastifyRequest, options: ReceiveOptions<T>): Promise<ReceivedFile<T> | Problem> {
  const fields: UploadFields = {};
  let received: Omit<ReceivedFile<T>, 'fields'> | undefined;
  let problem: Problem | undefined;
  const parts = request.parts();
  for (;;) {
    let step: IteratorResult<Multipart>;
    try {
      step = await parts.next();
    } catch (error) {
      // Past a parser limit the dropped fields make any earlier verdict name the wrong cause.
      return problem !== undefined && !isFormLimit(error) ? problem : multipartProblem(error, options.maxBytes);
    }
    if (step.done === true) break;
    const part = step.value;
    if (part.type === 'field') {
      problem ??= readField(fields, part, received !== undefined);
      continue;
    }
    if (part.fieldname !== 'file' || received !== undefined || problem !== undefined) {
      await new UploadReader(part.file, options.maxBytes).discard();
      problem ??= part.fieldname === 'file'
        ? { code: 'VALIDATION_FAILED', message: 'send one file per request', field: 'file' }
        : { code: 'VALIDATION_FAILED', message: `unexpected file field "${part.fieldname}": send the file as "file"`, field: part.fieldname };
      continue;
    }
    const outcome = await receiveFile(part, fields, options);
    if (isProblem(outcome)) problem = outcome;
    else received = outcome;
  }
  if (problem) return problem;
  if (!received) return { code: 'VALIDATION_FAILED', message: 'file is required: send it as the multipart part "file", after the product and role fields', field: 'file' };
  return { fields, ...received };
}

function readField(fields: UploadFields, part: MultipartValue, afterFile: boolean): Problem | undefined {
  const name = part.fieldname;
  if (!isUploadField(name)) return undefined;
  if (afterFile && name !== 'type') {
    return { code: 'VALIDATION_FAILED', message: `${name} must be sent before the file part, so the upload can be checked before it is stored`, field: name };
  }
  if ((typeof part.value !== 'string' && typeof part.value !== 'number') || part.valueTruncated) {
    return { code: 'VALIDATION_FAILED', message: `${name} must be a short text value`, field: name };
  }
  fields[name] = String(part.value).trim();
  return undefined;
}

async function receiveFile<T>(part: MultipartFile, fields: UploadFields, options: ReceiveOptions<T>): Promise<Omit<ReceivedFile<T>, 'fields'> | Problem> {
  const reader = new UploadReader(part.file, options.maxBytes);
  const name = cleanFileName(part.filename);
  if (isProblem(name)) {
    await reader.discard();
    return name;
  }
  const admission = await options.admit(fields, name);
  if (isProblem(admission)) {
    await reader.discard();
    return admission;
  }
  const file = { admitted: admission.admitted, name, partType: part.mimetype };
  // Only a store limit below the upload limit can stop the store early; then this reader hashes too.
  const chunks = reader.chunks(admission.storeAtMost < options.maxBytes);
  // An empty file is refused before the store sees it, so a refused upload leaves no blob.
  const first = await chunks.next().catch((error: unknown) => ({ error }));
  if ('done' in first && first.done === true) return { code: 'VALIDATION_FAILED', message: 'the submitted file is empty', field: 'file' };
  const written = await options.blobs.write(startingWith(first, chunks), { maxBytes: admission.storeAtMost });
  if (written.ok) {
    const { sha256, size, crc32 } = written.value;
    return { ...file, digest: { sha256, size, crc32 }, stored: true };
  }
  const overStoreLimit = written.error.code === 'BLOB_TOO_LARGE';
  let hashedToEnd = false;
  if (overStoreLimit) hashedToEnd = await reader.finish();
  else await reader.discard();
  if (reader.tooLarge) return tooLarge(options.maxBytes);
  if (hashedToEnd) return { ...file, digest: reader.digest(), stored: false };
  const reason = overStoreLimit ? 'the upload stopped before its end' : written.error.message;
  return { code: 'VALIDATION_FAILED', message: `the file could not be received: ${reason}`, field: 'file' };
}

/** The chunks again, with the one already pulled (or the failure pulling it) in front. */
async function* startingWith(head: IteratorResult<Buffer> | { error: unknown }, rest: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  if ('error' in head) throw head.error;
  if (head.done !== true) yield head.value;
  yield* rest;
}

const isFormLimit = (error: unknown): boolean => {
  const { code } = (error ?? {}) as { code?: unknown };
  return code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT';
};

export const tooLarge = (maxBytes: number): Problem => ({
  code: 'PAYLOAD_TOO_LARGE',
  message: `the file is larger than the upload limit of ${describeBytes(maxBytes)} (MAX_UPLOAD_BYTES); nothing was recorded`,
  field: 'file',
});

function multipartProblem(error: unknown, maxBytes: number): Problem {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const detail = typeof message === 'string' ? message : String(error);
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return tooLarge(maxBytes);
    case 'FST_FILES_LIMIT':
      return { code: 'VALIDATION_FAILED', message: 'send one file per request', field: 'file' };
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return { code: 'VALIDATION_FAILED', message: 'the form has too many fields' };
    case 'FST_MP_PREMATURE_CLOSE':
      // The client went away: nobody is left to read an answer.
      throw error;
    default:
      return { code: 'VALIDATION_FAILED', message: `the multipart body could not be read: ${detail}` };
  }
}

function describeBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1 && value % 1024 === 0) {
    value /= 1024;
    unit++;
  }
  return `${value} ${units[unit]}`;
}
