import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createFileOnce } from '@pz/config/key-files';
import path from 'node:path';

const SECRET_FILE = 'secret';
const SECRET_PATTERN = /^[0-9a-f]{64}$/;

/**
 * The HMAC key kept in `<dataDir>/secret` when PZ_SECRET is not set: 32 random bytes as hex,
 * created on first start. The file appears whole or not at all (written to a temporary name,
 * fsynced, then linked into place, so a crash cannot leave a truncated key and two servers
 * starting together agree on the first one linked). A file that holds anything else stops the
 * start with a message naming it: signing sessions and download links with an empty or partial
 * key would let anyone forge them.
 */
export function persistentSecret(dataDir: string): string {
  const file = path.join(dataDir, SECRET_FILE);
  const existing = readSecretFile(file);
  if (existing !== null) return existing;
  // Another server may link its key first: that one is the key.
  createFileOnce(dataDir, SECRET_FILE, () => randomBytes(32).toString('hex'));
  const created = readSecretFile(file);
  if (created === null) throw new Error(`${file} vanished while the server was creating it`);
  return created;
}

function readSecretFile(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (!SECRET_PATTERN.test(text)) {
    throw new Error(
      `${file} does not hold a key (64 hexadecimal characters). Remove it to have a new one made (every session and download link signed with the old one then ends), or set PZ_SECRET.`,
    );
  }
  return text;
}
