import type { UpstreamIdentity, UpstreamTokens } from './upstream-tokens.interface.js';
import type { UpstreamScopePolicy } from './upstream-scopes.js';
import type { UpstreamHttp } from './upstream-http.js';

/**
 * How the proxy authenticates at the upstream token (and revocation) endpoint (RFC 6749
 * §2.3.1; RFC 7591 names).
 * @publicApi
 */
export type UpstreamClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/**
 * Upstream endpoints. With `discovery`, those left out are read from the issuer's metadata.
 * @publicApi
 */
export interface UpstreamEndpoints {
  readonly authorization?: string;
  readonly token?: string;
  /** RFC 7009 revocation endpoint. */
  readonly revocation?: string;
  /** OpenID Connect userinfo endpoint. */
  readonly userinfo?: string;
  /** JWKS of the keys that sign ID tokens (and JWT access tokens). */
  readonly jwksUri?: string;
}

/**
 * How upstream tokens are revoked: RFC 7009 at `endpoints.revocation`, GitHub's "delete an app
 * authorization" (`DELETE /applications/{client_id}/grant`, Basic auth, which revokes the grant
 * and every token of it), or not at all (Entra has no revocation endpoint).
 * @publicApi
 */
export type UpstreamRevocation =
  { readonly kind: 'rfc7009' } | { readonly kind: 'github-grant'; readonly url: string } | { readonly kind: 'none' };

/**
 * Entra ID multi-tenant issuer rule: the ID token's `iss` must be
 * `{authority}/{tid}/v2.0` for its own `tid` claim, with the tenant restrictions of `tenant`.
 * @publicApi
 */
export interface EntraIssuerRule {
  /** e.g. `https://login.microsoftonline.com`. */
  readonly authority: string;
  /** The configured tenant: a GUID (exact issuer), `organizations`, `common` or `consumers`. */
  readonly tenant: string;
  /** Tenant ids (GUIDs) accepted; any tenant the `tenant` value admits when absent. */
  readonly allowedTenants?: readonly string[];
}

/**
 * Identity from OpenID Connect: a verified ID token (signature via the JWKS, `iss`, `aud` = the
 * upstream client id, `azp` when several audiences, `exp`/`iat`, `nonce`) and/or the userinfo
 * endpoint (whose `sub` must then equal the ID token's, OIDC Core §5.3.2).
 *
 * Modes: `id_token` uses the ID token and falls back to userinfo when a token set carries none
 * (after a refresh); `userinfo` only asks userinfo; `id_token+userinfo` needs both.
 * @publicApi
 */
export interface OidcIdentityConfig {
  readonly kind: 'oidc';
  readonly mode: 'id_token' | 'userinfo' | 'id_token+userinfo';
  /** Accepted ID token issuers; the provider's `issuer` when absent. */
  readonly issuers?: readonly string[];
  /** Entra's per-tenant issuer rule (replaces `issuers`). */
  readonly entra?: EntraIssuerRule;
  /** Accepted signature algorithms. */
  readonly algorithms: readonly string[];
  /** Claims that must have exactly these values (Cognito `token_use: id`, Google `hd`). */
  readonly requiredClaims?: Readonly<Record<string, string>>;
  /** Clock tolerance for `exp`, `iat`, `nbf`, in seconds. */
  readonly clockToleranceSeconds: number;
}

/**
 * Identity from GitHub's REST API: `GET {apiBaseUrl}/user`; the subject is the numeric user id
 * (logins can be renamed) and the token's scopes come from `X-OAuth-Scopes`.
 * @publicApi
 */
export interface GitHubIdentityConfig {
  readonly kind: 'github';
  readonly apiBaseUrl: string;
}

/**
 * Identity from Discord: `GET {apiBaseUrl}/oauth2/@me`; the token must belong to our
 * application (`application.id` = client id) and carry a user (`identify` scope).
 * @publicApi
 */
export interface DiscordIdentityConfig {
  readonly kind: 'discord';
  readonly apiBaseUrl: string;
}

/** What a custom identity resolver receives. @publicApi */
export interface UpstreamIdentityContext {
  readonly provider: UpstreamProvider;
  /** Upstream HTTP with the provider's timeout, `redirect: 'manual'` and error classification. */
  readonly http: UpstreamHttp;
  /** Epoch milliseconds. */
  readonly now: number;
}

/**
 * Identity from your own code (another user API). It must return a non-empty `subject` and
 * throw the upstream errors ({@link UpstreamTransientError} for outages, {@link UpstreamRejectedError}
 * with `invalid_token` for a refused token).
 * @publicApi
 */
export interface CustomIdentityConfig {
  readonly kind: 'custom';
  resolve(
    tokens: Pick<UpstreamTokens, 'accessToken' | 'idToken'>,
    context: UpstreamIdentityContext,
  ): Promise<UpstreamIdentity>;
}

/** How the user's identity is obtained. @publicApi */
export type UpstreamIdentityConfig =
  OidcIdentityConfig | GitHubIdentityConfig | DiscordIdentityConfig | CustomIdentityConfig;

/**
 * How upstream JWT access tokens are verified locally (request-time validation without a call
 * upstream): signature via the JWKS, `iss`, and `aud` or a client-id claim (Cognito access
 * tokens have no `aud` but a `client_id` claim).
 * @publicApi
 */
export interface UpstreamAccessTokenVerification {
  readonly issuers: readonly string[];
  /** Required `aud` member (Auth0 API identifier); not checked when absent. */
  readonly audience?: string;
  /** Claim that must equal the upstream client id (`client_id` on Cognito). */
  readonly clientIdClaim?: string;
  readonly requiredClaims?: Readonly<Record<string, string>>;
  readonly algorithms: readonly string[];
  readonly clockToleranceSeconds: number;
}

/**
 * Everything the proxy needs to know about one upstream identity provider and the one app
 * registered there. Built by a preset ({@link createUpstreamProvider}) or by hand.
 * @publicApi
 */
export interface UpstreamProvider {
  /** Preset name (`github`, `google`, …) or your own, for logs. */
  readonly name: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly clientAuthMethod: UpstreamClientAuthMethod;
  readonly endpoints: UpstreamEndpoints;
  /**
   * The upstream's issuer identifier: the `iss` of its ID tokens and RFC 9207 authorization
   * responses, and (with `discovery`) the `issuer` its metadata must name byte for byte.
   */
  readonly issuer?: string;
  /** Read missing endpoints (and RFC 9207 support) from the issuer's RFC 8414 / OIDC metadata. */
  readonly discovery: boolean;
  /**
   * RFC 9207: `true` requires `iss` = `issuer` on every authorization response (both success and
   * error); `false` ignores a missing `iss`; `undefined` follows the metadata's
   * `authorization_response_iss_parameter_supported`. A present `iss` that differs from the
   * known issuer is always refused (security catalog CB-08).
   */
  readonly authorizationResponseIss?: boolean;
  /** Other spellings of `issuer` accepted in `iss` (Google: `accounts.google.com`). */
  readonly issuerAliases?: readonly string[];
  readonly scopes: UpstreamScopePolicy;
  /** Added to every authorization request (Google `access_type`, Auth0 `audience`…). */
  readonly extraAuthorizeParams: Readonly<Record<string, string>>;
  /** Added to every code exchange and refresh request. */
  readonly extraTokenParams: Readonly<Record<string, string>>;
  /** Forward the MCP client's RFC 8707 `resource` on authorization and token requests. */
  readonly forwardResource: boolean;
  readonly revocation: UpstreamRevocation;
  readonly identity: UpstreamIdentityConfig;
  readonly accessTokenVerification?: UpstreamAccessTokenVerification;
  /** Deadline of each upstream request, in milliseconds. */
  readonly timeoutMs: number;
  /**
   * Access-token lifetime assumed when `expires_in` is missing or unusable, in seconds. Without
   * it: 3600 when a refresh token came with the token (or `expires_in` was unusable), and no
   * expiry when the upstream sent neither (GitHub OAuth apps' tokens do not expire).
   */
  readonly fallbackExpiresInSeconds?: number;
  /**
   * Request-time checks of the upstream access token: a successful check is trusted this many
   * seconds; `0` or absent turns them off (see `UpstreamCommonOptions.tokenValidationSeconds`).
   */
  readonly tokenValidationSeconds?: number;
}
