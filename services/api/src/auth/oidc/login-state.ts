import { readWithKeyring, signWithKeyring, type Keyring } from '../keyring';

/** The cookie that carries a login in progress from the start route to the callback. */
export const LOGIN_STATE_COOKIE = 'pz_oidc';
/** Only the callback reads it. */
export const LOGIN_STATE_PATH = '/api/auth/oidc/';
/** How long a person may take at the provider before the login must start again. */
export const LOGIN_STATE_MINUTES = 10;

/** What the callback needs to check the provider's answer: all random but `next`. */
export interface LoginState {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** Where to go once signed in: a path on this site. */
  readonly next: string;
}

/**
 * Signed (keyring.ts) and short-lived, so any app process on the same secret reads it back and
 * nobody can forge or extend it; HttpOnly, so page scripts never see the PKCE verifier.
 */
export function sealLoginState(keyring: Keyring, login: LoginState, now = Date.now()): string {
  return signWithKeyring(keyring, { st: login.state, n: login.nonce, v: login.codeVerifier, next: login.next, exp: now + LOGIN_STATE_MINUTES * 60_000 });
}

/** The login a cookie carries, or null when it is forged, expired or signed by a retired key. */
export function openLoginState(keyring: Keyring, cookie: string, now = Date.now()): LoginState | null {
  const payload = readWithKeyring(keyring, cookie, { acceptOlder: true, now });
  if (!payload) return null;
  const { st, n, v, next } = payload;
  if (typeof st !== 'string' || typeof n !== 'string' || typeof v !== 'string' || typeof next !== 'string') return null;
  return { state: st, nonce: n, codeVerifier: v, next };
}

/**
 * `next` as a path on our own site, or `/`: a login never sends the browser elsewhere (an open
 * redirect would let a link through our login land on an attacker's page).
 */
export function sameOriginPath(next: string | undefined, publicUrl: string): string {
  // eslint-disable-next-line no-control-regex -- browsers drop tabs and newlines from URLs: `/\t/evil` is `//evil`
  if (next === undefined || next === '' || !next.startsWith('/') || /[\\\u0000-\u001f]/.test(next)) return '/';
  const ours = new URL(publicUrl);
  const target = new URL(next, ours);
  return target.origin === ours.origin ? `${target.pathname}${target.search}${target.hash}` : '/';
}
