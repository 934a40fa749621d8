import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

export type PostOutcome = { readonly status: number } | { readonly error: string };

/**
 * One POST to the address the guard checked: the connection goes to `address` whatever DNS says
 * now (TLS still verifies the URL's host name), redirects are not followed, and it gives up after
 * `timeoutMs`.
 */
export function postTo(url: URL, address: string, family: 4 | 6, headers: Record<string, string>, body: string, timeoutMs = 10_000): Promise<PostOutcome> {
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = client.request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup: pinned, timeout: timeoutMs }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
      response.on('error', (e) => resolve({ error: e.message }));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (e) => resolve({ error: e.message }));
    request.end(body);
  });
}
