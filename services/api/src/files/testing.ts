import { randomBytes } from 'node:crypto';

/** One part of a hand-built form: a text field, or a file given as raw bytes. */
export type FormPart =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly filename: string; readonly content: Buffer | string; readonly contentType?: string };

/**
 * A `multipart/form-data` body for tests, with the parts in exactly the order given (the server
 * cares: product and role must precede the file). File names go out as raw UTF-8 with `"`
 * escaped, as browsers and python-requests send them; no Content-Type unless one is given.
 */
export function multipartForm(parts: readonly FormPart[]): { payload: Buffer; headers: { 'content-type': string } } {
  const boundary = `----pz-test-${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const quotedName = part.name.replace(/"/g, '%22');
    if ('filename' in part) {
      const type = part.contentType ? `Content-Type: ${part.contentType}\r\n` : '';
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quotedName}"; filename="${part.filename.replace(/"/g, '%22')}"\r\n${type}\r\n`));
      chunks.push(typeof part.content === 'string' ? Buffer.from(part.content) : part.content);
    } else {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quotedName}"\r\n\r\n${part.value}`));
    }
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
