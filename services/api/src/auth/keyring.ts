import { createHash, createHmac } from 'node:crypto';
import { equalInConstantTime } from './secrets';

/** One signing key and the id that names it in every value it signs. */
export interface SigningKey {
  readonly id: string;
  readonly key: string;
}

/**
 * The HMAC keys of sessions and download links: the current one signs everything; older ones
 * (a planned rotation, `PZ_SECRETS`) still open the sessions they signed, so nobody is signed
 * out, while download links verify only under the current key, so a rotation kills every link
 * handed out before it (README, docs/reliability.md).
 */
export interface Keyring {
  readonly current: SigningKey;
  readonly older: readonly SigningKey[];
}

/** A key given without an id (PZ_SECRET, DATA_DIR/secret) is named by its hash: the same on every machine that holds it. */
export const keyIdOf = (key: string): string => `k${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;

export const singleKeyring = (key: string): Keyring => ({ current: { id: keyIdOf(key), key }, older: [] });

const mac = (key: string, text: string) => createHmac('sha256', key).update(text).digest('base64url');

/** `<key id>.<payload>.<hmac of both>`: tamper-proof, expiring, and saying which key signed it. */
export function signWithKeyring(keyring: Keyring, payload: Record<string, string | number>): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signed = `${keyring.current.id}.${body}`;
  return `${signed}.${mac(keyring.current.key, signed)}`;
}

/**
 * The payload of a value signed by the current key (or, with `acceptOlder`, by one of the older
 * ones) that has not expired; null otherwise. Values signed before key ids existed
 * (`<payload>.<hmac>`) are read like values of an older key.
 */
export function readWithKeyring(keyring: Keyring, value: string, options: { acceptOlder: boolean; now?: number }): Record<string, string | number> | null {
  const parts = value.split('.');
  let body: string | undefined;
  let valid = false;
  if (parts.length === 3) {
    const [id, payload, sent] = parts as [string, string, string];
    const key = [keyring.current, ...(options.acceptOlder ? keyring.older : [])].find((k) => k.id === id);
    body = payload;
    valid = key !== undefined && equalInConstantTime(sent, mac(key.key, `${id}.${payload}`));
  } else if (parts.length === 2 && options.acceptOlder) {
    const [payload, sent] = parts as [string, string];
    body = payload;
    valid = [keyring.current, ...keyring.older].some((k) => equalInConstantTime(sent, mac(k.key, payload)));
  }
  if (!valid || body === undefined) return null;
  try {
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, string | number>;
    if (typeof payload.exp !== 'number' || payload.exp < (options.now ?? Date.now())) return null;
    return payload;
  } catch {
    return null;
  }
}
