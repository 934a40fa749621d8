import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { ApiSession } from './api-session';

export interface UploadRequest {
  readonly productId: number;
  /** 0 main, 1 description, 2 auxiliary. */
  readonly role: 0 | 1 | 2;
  readonly filePath: string;
  /** The name the file is uploaded under. */
  readonly name: string;
  readonly mimeType: string;
}

export interface UploadAnswer {
  readonly id: number;
  readonly sha256: string;
  readonly size: number;
}

const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * POSTs one file to `/api/product-files/` as multipart/form-data, built by hand so that the file
 * is streamed from disk (never held in memory) with a known Content-Length: the fields product,
 * role and type first, as the route asks, then the file part.
 */
export async function uploadFile(session: ApiSession, upload: UploadRequest): Promise<UploadAnswer> {
  const boundary = `----pzbench${randomBytes(12).toString('hex')}`;
  const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = Buffer.from(
    field('product', String(upload.productId)) +
      field('role', String(upload.role)) +
      field('type', upload.mimeType) +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${upload.name}"\r\nContent-Type: ${upload.mimeType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const { size } = await stat(upload.filePath);
  return new Promise<UploadAnswer>((resolve, reject) => {
    const request = http.request(`${session.origin}/api/product-files/`, {
      method: 'POST',
      headers: {
        authorization: session.auth,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + size + tail.length),
      },
    });
    request.once('error', reject);
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', reject);
      response.once('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode !== 201) return reject(new Error(`upload of ${upload.name}: ${response.statusCode} ${body.slice(0, 300)}`));
        resolve(JSON.parse(body) as UploadAnswer);
      });
    });
    request.write(head);
    const file = createReadStream(upload.filePath, { highWaterMark: READ_CHUNK_BYTES });
    file.once('error', (error) => {
      request.destroy(error);
      reject(error);
    });
    file.once('end', () => request.end(tail));
    file.pipe(request, { end: false });
  });
}
