import { USERNAME } from '@pz/domain';

/** The claims of a verified ID token, as the provider sent them. */
export type IdentityClaims = Readonly<Record<string, unknown>>;

export interface IdentityProfile {
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
}

// eslint-disable-next-line no-control-regex -- control characters are what is removed
const CONTROL = /[\u0000-\u001f\u007f]/g;
const text = (value: unknown, max: number): string => (typeof value === 'string' ? value.replace(CONTROL, ' ').trim().slice(0, max) : '');

/** Name and email from the standard claims, cut to what an account holds (a provider's long value does not refuse the login). */
export function profileFromClaims(claims: IdentityClaims): IdentityProfile {
  const email = text(claims.email, 254);
  return { firstName: text(claims.given_name, 150), lastName: text(claims.family_name, 150), email: /^[^\s@]+@[^\s@]+$/.test(email) ? email : '' };
}

/**
 * The username a new account would like: `preferred_username`, else the part of `email` before
 * the @, else `sub`, with every character a username may not hold turned into `-`. Only a wish:
 * the login makes it unique, and never takes an existing account because a name matches.
 */
export function usernameWish(claims: IdentityClaims): string {
  for (const claim of [claims.preferred_username, typeof claims.email === 'string' ? claims.email.split('@')[0] : undefined, claims.sub]) {
    if (typeof claim !== 'string') continue;
    const cleaned = claim.normalize('NFKD').replace(/\p{M}+/gu, '').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 140);
    if (USERNAME.test(cleaned)) return cleaned;
  }
  return 'user';
}

/** `wish`, then `wish-2`, `wish-3`… : the candidates a new account tries in turn. */
export const usernameCandidate = (wish: string, attempt: number): string => (attempt === 0 ? wish : `${wish}-${attempt + 1}`);

/**
 * The group names a claim holds: an array of strings, or one string separated by spaces or
 * commas (providers send both). Anything else holds none; names are trimmed and deduplicated.
 */
export function groupNamesFromClaim(value: unknown): string[] {
  const names = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  return [...new Set(names.map((name) => name.trim()).filter((name) => name !== ''))];
}
