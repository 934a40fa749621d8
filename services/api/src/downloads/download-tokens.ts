import { readWithKeyring, signWithKeyring, singleKeyring, type Keyring } from '../auth/keyring';

/** Long enough to start a large download, short enough that a leaked link soon stops working. */
export const DOWNLOAD_TOKEN_MINUTES = 15;

export type DownloadKind = 'zip' | 'main';

/**
 * What a download link grants: one kind of download of one product, with exactly the bytes that
 * were announced. The link is bound to that content (the archive fingerprint, or the main file's
 * sha256), not to the product's revision: events that leave the bytes alone (a share link created
 * or revoked, a main-file download after a metadata edit) keep prepared links working, and any
 * change to the bytes ends them.
 */
export interface DownloadGrant {
  readonly productId: number;
  readonly kind: DownloadKind;
  readonly content: string;
  /**
   * The user the link was prepared for: the link is a credential of theirs, so visibility is
   * checked again for them when it is used (a release restricted since, a group left). Null in
   * links signed before links named their user: checked as for a user in no group.
   */
  readonly viewerId?: number | null;
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: Date;
}

const keyringOf = (keys: string | Keyring): Keyring => (typeof keys === 'string' ? singleKeyring(keys) : keys);

export function issueDownloadToken(keys: string | Keyring, grant: DownloadGrant, now: number = Date.now()): IssuedToken {
  const expiresAt = new Date(now + DOWNLOAD_TOKEN_MINUTES * 60_000);
  const token = signWithKeyring(keyringOf(keys), { use: 'download', p: grant.productId, k: grant.kind, c: grant.content, ...(typeof grant.viewerId === 'number' ? { v: grant.viewerId } : {}), exp: expiresAt.getTime() });
  return { token, expiresAt };
}

export type TokenCheck = { readonly ok: true; readonly grant: DownloadGrant } | { readonly ok: false; readonly reason: string };

/**
 * Checks signature, expiry and scope, each failure with its own message. The expiry is checked
 * here rather than when the token is read so an expired link can be told apart from a forged one.
 */
export function checkDownloadToken(keys: string | Keyring, token: string | undefined, productId: number, kind: DownloadKind, now: number = Date.now()): TokenCheck {
  if (!token) return { ok: false, reason: 'Missing download token: call download/prepare/ and use the download_url it returns.' };
  // Only the current key opens a link: a key rotation kills every link handed out before it.
  const payload = readWithKeyring(keyringOf(keys), token, { acceptOlder: false, now: Number.NEGATIVE_INFINITY });
  if (!payload || payload.use !== 'download' || typeof payload.p !== 'number' || typeof payload.c !== 'string' || typeof payload.exp !== 'number') {
    return { ok: false, reason: 'Invalid download token.' };
  }
  if (payload.exp < now) return { ok: false, reason: 'Download token has expired: call download/prepare/ again for a fresh link.' };
  if (payload.p !== productId || payload.k !== kind) return { ok: false, reason: 'This download token was issued for another download.' };
  return { ok: true, grant: { productId: payload.p, kind, content: payload.c, viewerId: typeof payload.v === 'number' ? payload.v : null } };
}
