import * as oidc from 'openid-client';
import type { OidcSettings } from '@pz/config';
import { err, ok, type CodedError, type Result } from '@pz/contracts';
import type { IdentityClaims } from './identity-claims';
import type { LoginState } from './login-state';

export type IdentityProviderErrorCode = 'OIDC_PROVIDER_UNREACHABLE' | 'OIDC_ANSWER_REFUSED';
export type IdentityProviderError = CodedError<IdentityProviderErrorCode>;

/** A person as a verified ID token names them. */
export interface VerifiedIdentity {
  readonly issuer: string;
  readonly subject: string;
  readonly claims: IdentityClaims;
}

/** The OpenID Connect provider, through openid-client: the authorization-code flow with PKCE. */
export interface IdentityProvider {
  /** Where to send the browser to sign in: S256 PKCE challenge, state and nonce from `login`. */
  authorizationUrl(login: LoginState): Promise<Result<URL, IdentityProviderError>>;
  /**
   * Redeems the code of the callback (`callbackUrl` with the provider's query) and verifies the
   * ID token: signature against the provider's JWKS, iss, aud, exp, nonce, and the state.
   */
  redeem(callbackUrl: URL, login: LoginState): Promise<Result<VerifiedIdentity, IdentityProviderError>>;
}

export interface IdentityProviderOptions {
  /** The HTTP client towards the provider (tests put themselves in the way to forge answers). */
  readonly fetch?: oidc.CustomFetch;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The discovery document is read at the first login (the provider may be down when we start), and again after a failure. */
export function openIdentityProvider(settings: OidcSettings, options: IdentityProviderOptions = {}): IdentityProvider {
  let discovered: Promise<oidc.Configuration> | null = null;
  const configuration = (): Promise<oidc.Configuration> => {
    discovered ??= discover(settings, options).catch((error: unknown) => {
      discovered = null;
      throw error;
    });
    return discovered;
  };

  return {
    async authorizationUrl(login) {
      let config: oidc.Configuration;
      try {
        config = await configuration();
      } catch (error) {
        return err({ code: 'OIDC_PROVIDER_UNREACHABLE', message: `the identity provider could not be reached: ${messageOf(error)}` });
      }
      return ok(oidc.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri,
        scope: settings.scopes,
        code_challenge: await oidc.calculatePKCECodeChallenge(login.codeVerifier),
        code_challenge_method: 'S256',
        state: login.state,
        nonce: login.nonce,
      }));
    },
    async redeem(callbackUrl, login) {
      let config: oidc.Configuration;
      try {
        config = await configuration();
      } catch (error) {
        return err({ code: 'OIDC_PROVIDER_UNREACHABLE', message: `the identity provider could not be reached: ${messageOf(error)}` });
      }
      try {
        // The redirect_uri sent with the code is callbackUrl without its query: the registered one.
        const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: login.codeVerifier, expectedState: login.state, expectedNonce: login.nonce, idTokenExpected: true,
        });
        const claims = tokens.claims();
        if (!claims) return err({ code: 'OIDC_ANSWER_REFUSED', message: 'the identity provider sent no ID token' });
        return ok({ issuer: claims.iss, subject: claims.sub, claims });
      } catch (error) {
        return err({ code: 'OIDC_ANSWER_REFUSED', message: `the identity provider's answer was refused: ${messageOf(error)}` });
      }
    },
  };
}

async function discover(settings: OidcSettings, options: IdentityProviderOptions): Promise<oidc.Configuration> {
  const issuer = new URL(settings.issuer);
  const config = await oidc.discovery(
    issuer, settings.clientId, undefined,
    settings.clientSecret === null ? oidc.None() : oidc.ClientSecretBasic(settings.clientSecret),
    {
      // Plain HTTP only to a provider on this machine (tests, a local provider); anywhere else TLS.
      ...(issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname) ? { execute: [oidc.allowInsecureRequests] } : {}),
      ...(options.fetch ? { [oidc.customFetch]: options.fetch } : {}),
      timeout: 10,
    },
  );
  // Also verify the ID token's signature against the provider's JWKS (openid-client trusts the
  // TLS channel of the token endpoint otherwise).
  oidc.enableNonRepudiationChecks(config);
  return config;
}

/** The library's message, with the provider's own error code and description when it sent one (`invalid_grant: …`). */
const messageOf = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const said = error as Error & { error?: unknown; error_description?: unknown };
  const provider = typeof said.error === 'string' ? ` (${said.error}${typeof said.error_description === 'string' ? `: ${said.error_description}` : ''})` : '';
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${provider}${cause}`;
};
