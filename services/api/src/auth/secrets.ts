import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random key shown once to its owner (API tokens, share links); only its sha256 is kept. */
export const newSecretKey = (): string => randomBytes(20).toString('hex');

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

export function equalInConstantTime(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `<payload>.<hmac>`: tamper-proof, expiring values (session cookies, download tokens). */
export function signValue(secret: string, payload: Record<string, string | number>): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

export function readSignedValue(secret: string, value: string, now: number = Date.now()): Record<string, string | number> | null {
  const [body, mac] = value.split('.');
  if (!body || !mac) return null;
  if (!equalInConstantTime(mac, createHmac('sha256', secret).update(body).digest('base64url'))) return null;
  try {
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, string | number>;
    if (typeof payload.exp !== 'number' || payload.exp < now) return null;
    return payload;
  } catch {
    return null;
  }
}
