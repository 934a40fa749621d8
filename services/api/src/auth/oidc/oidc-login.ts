import { randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import type { OidcSettings } from '@pz/config';
import { err, ok, type CodedError, type Result } from '@pz/contracts';
import type { CommandContext } from '../../commands/command-context';
import type { Keyring } from '../keyring';
import { groupNamesFromClaim } from './identity-claims';
import { signInWithIdentity, type IdentityLoginDeps, type IdentityUser } from './identity-login';
import type { IdentityProvider } from './identity-provider';
import { openLoginState, sameOriginPath, sealLoginState } from './login-state';

/**
 * Makes the user's memberships of groups that come from the identity provider equal
 * `groupNames` (the claim of this login), recording the changes as events under `context`.
 * The groups model plugs its own in (`syncIdentityGroups` of the rights work, whose Result this
 * type accepts as it is). A refusal refuses the login: a person must not go on with the groups
 * of an earlier claim (a membership the provider withdrew would still open restricted data).
 */
export type IdentityGroupSync = (userId: number, groupNames: readonly string[], context: CommandContext) => Promise<Result<unknown, CodedError>>;

export interface OidcLoginDeps {
  readonly settings: OidcSettings;
  readonly publicUrl: string;
  readonly keyring: Keyring;
  readonly provider: IdentityProvider;
  readonly accounts: IdentityLoginDeps;
  readonly syncGroups: IdentityGroupSync;
}

export type OidcLoginErrorCode = 'OIDC_PROVIDER_UNREACHABLE' | 'OIDC_ANSWER_REFUSED' | 'OIDC_LOGIN_EXPIRED' | 'OIDC_STATE_MISMATCH' | 'OIDC_LOGIN_DENIED' | 'OIDC_ACCOUNT_REFUSED' | 'OIDC_GROUPS_NOT_SYNCED';

/** Who the login is, as the request says; becomes the events' metadata. */
export interface LoginRequest {
  readonly requestId: string;
  readonly userAgent?: string;
}

export interface OidcLogin {
  /** The button's name (`Log in with …`). */
  readonly displayName: string;
  /** Where to send the browser, and the login-state cookie to set for the callback. */
  start(next: string | undefined): Promise<Result<{ redirectTo: URL; cookie: string }, CodedError<OidcLoginErrorCode>>>;
  /**
   * Checks the provider's answer against the cookie the start set, finds or creates the account,
   * syncs its groups from the claim; the user to start a portal session for, and where to go.
   */
  finish(callbackQuery: string, cookie: string | undefined, request: LoginRequest): Promise<Result<{ user: IdentityUser; next: string }, CodedError<OidcLoginErrorCode>>>;
}

export function createOidcLogin(deps: OidcLoginDeps): OidcLogin {
  return {
    displayName: deps.settings.displayName,
    async start(next) {
      const login = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier(), next: sameOriginPath(next, deps.publicUrl) };
      const url = await deps.provider.authorizationUrl(login);
      if (!url.ok) return url;
      return ok({ redirectTo: url.value, cookie: sealLoginState(deps.keyring, login) });
    },
    async finish(callbackQuery, cookie, request) {
      const login = cookie === undefined ? null : openLoginState(deps.keyring, cookie);
      if (!login) return err({ code: 'OIDC_LOGIN_EXPIRED', message: 'this login was not started here or took more than 10 minutes: start it again' });
      const callbackUrl = new URL(deps.settings.redirectUri);
      callbackUrl.search = callbackQuery;
      // Checked by openid-client too; said first here, so a forged callback is named as such.
      if (callbackUrl.searchParams.get('state') !== login.state) return err({ code: 'OIDC_STATE_MISMATCH', message: 'the answer does not belong to the login this browser started' });
      // The person cancelled, or the provider would not let them in: no code to redeem.
      const denied = callbackUrl.searchParams.get('error');
      if (denied !== null) {
        const description = callbackUrl.searchParams.get('error_description');
        return err({ code: 'OIDC_LOGIN_DENIED', message: `the identity provider answered ${denied}${description ? `: ${description}` : ''}` });
      }
      const identity = await deps.provider.redeem(callbackUrl, login);
      if (!identity.ok) return identity;
      const context = (user: { userId: number; username: string }): CommandContext => ({
        actor: { kind: 'user', userId: user.userId, username: user.username },
        client: { kind: 'web', ...(request.userAgent ? { userAgent: request.userAgent.slice(0, 200) } : {}) },
        commandId: randomUUID(),
        correlationId: request.requestId,
        causationId: request.requestId,
      });
      const user = await signInWithIdentity(deps.accounts, identity.value, context);
      if (!user.ok) return err({ code: 'OIDC_ACCOUNT_REFUSED', message: `no account could be opened for this identity: ${user.error.message}` });
      const synced = await deps.syncGroups(user.value.userId, groupNamesFromClaim(identity.value.claims[deps.settings.groupsClaim]), context(user.value));
      if (!synced.ok) return err({ code: 'OIDC_GROUPS_NOT_SYNCED', message: `the groups of this identity could not be brought up to date (${synced.error.code}): ${synced.error.message}` });
      return ok({ user: user.value, next: login.next });
    },
  };
}
