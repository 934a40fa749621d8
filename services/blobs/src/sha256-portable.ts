import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/**
 * The sha256 of a sequence of chunks, as lowercase hex, in pure JavaScript. It runs in a browser
 * (in a worker, so hashing a large file does not freeze the page) and gives the digest the server
 * computes with node:crypto, so a client can announce `expectedSha256` before uploading or skip
 * uploading content the store already has. About four times slower than node:crypto, so the
 * server itself does not use it. Import it as `@pz/blobs/sha256-portable` from browser code: the
 * package index also pulls in node:fs.
 */
export async function sha256Portable(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<string> {
  const hash = sha256.create();
  for await (const chunk of chunks) hash.update(chunk);
  return bytesToHex(hash.digest());
}
