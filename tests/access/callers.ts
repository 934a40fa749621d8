import type { Identity, World } from './world';

/**
 * Who knocks. `owner` is alice, who owns every fixture product; the two session callers are alice
 * too, through the portal's cookie (with and without echoing the CSRF value); the share holders
 * carry no credentials, only a link (valid or expired); `revokedToken` is alice's first token,
 * replaced through `/api/get_token/`.
 */
export const CALLERS = ['anonymous', 'other', 'owner', 'admin', 'shareHolder', 'expiredShareHolder', 'revokedToken', 'sessionNoCsrf', 'sessionWithCsrf'] as const;
export type CallerName = (typeof CALLERS)[number];

/** The account a caller acts as, when it has one that works. */
export function identityOf(world: World, caller: CallerName): Identity | null {
  switch (caller) {
    case 'other':
      return world.bob;
    case 'admin':
      return world.admin;
    case 'owner':
    case 'sessionNoCsrf':
    case 'sessionWithCsrf':
      return world.alice;
    default:
      return null;
  }
}

export function credentialHeaders(world: World, caller: CallerName): Record<string, string> {
  switch (caller) {
    case 'other':
    case 'owner':
    case 'admin':
      return { authorization: (identityOf(world, caller) as Identity).auth };
    case 'revokedToken':
      return { authorization: world.revokedAuth };
    case 'sessionNoCsrf':
      return { cookie: world.session.cookie };
    case 'sessionWithCsrf':
      return { cookie: world.session.cookie, 'x-csrftoken': world.session.csrf };
    default:
      return {};
  }
}

/** The share key a caller puts in a `/api/shared/<key>/` link: its own, or one that names nothing. */
export function shareKeyOf(world: World, caller: CallerName, unknownKey: string): string {
  if (caller === 'shareHolder') return world.shares.valid;
  if (caller === 'expiredShareHolder') return world.shares.expired;
  return unknownKey;
}
