import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, Min, MinLength, registerDecorator } from 'class-validator';
import { IsScopeList } from '../../../core/options/validators.js';
import type { UpstreamClientAuthMethod } from '../upstream-provider.interface.js';

/**
 * Parameters the proxy sets itself; extra parameters may not replace them (a configuration
 * could otherwise drop PKCE or redirect the code elsewhere).
 */
export const RESERVED_PARAMETERS: ReadonlySet<string> = new Set([
  'response_type',
  'client_id',
  'client_secret',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
  'nonce',
  'resource',
  'grant_type',
  'code',
  'code_verifier',
  'refresh_token',
  'client_assertion',
  'client_assertion_type',
  'request',
  'request_uri',
]);

/** An object of string parameters, none of them a parameter the proxy sets itself. */
export function IsExtraParameters(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isExtraParameters',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `must be an object of string values and must not set ${[...RESERVED_PARAMETERS].join(', ')}`,
      },
      validator: {
        validate(value: unknown) {
          if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
          return Object.entries(value).every(
            ([name, v]) => name !== '' && !RESERVED_PARAMETERS.has(name) && typeof v === 'string',
          );
        },
      },
    });
}

/** Default deadline of every upstream request. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 10_000;

/**
 * Options every upstream preset shares: the app registered at the provider and how the proxy
 * talks to it.
 * @publicApi
 */
export abstract class UpstreamCommonOptions {
  /** Client id of the app registered at the provider. */
  @IsString() @MinLength(1) clientId!: string;

  /**
   * Client secret of that app (required by some presets; omit it for a public app that uses
   * PKCE only, where the provider allows one).
   */
  abstract clientSecret?: string;

  /**
   * Client authentication at the upstream token and revocation endpoints (RFC 6749 §2.3.1).
   * @default the preset's (see each preset), or `none` without a client secret
   */
  @IsOptional()
  @IsIn(['client_secret_basic', 'client_secret_post', 'none'])
  tokenEndpointAuthMethod?: UpstreamClientAuthMethod;

  /**
   * MCP scopes requested upstream when an MCP client asks for none.
   * @default per preset
   */
  @IsOptional() @IsScopeList() defaultScopes?: string[];

  /**
   * Upstream scopes added to every authorization request and never reported back as MCP
   * scopes (e.g. Microsoft Graph `User.Read`).
   * @default per preset (`openid` for OpenID Connect providers)
   */
  @IsOptional() @IsScopeList() additionalScopes?: string[];

  /**
   * Extra authorization request parameters (`login_hint`, `prompt`, `hd`…). They override the
   * preset's own; an empty string removes one. Protocol parameters (`state`, `redirect_uri`,
   * `code_challenge`…) cannot be set.
   */
  @IsOptional() @IsExtraParameters() extraAuthorizeParams?: Record<string, string>;

  /** Extra parameters of code exchange and refresh requests (protocol parameters excluded). */
  @IsOptional() @IsExtraParameters() extraTokenParams?: Record<string, string>;

  /**
   * Forward the MCP client's RFC 8707 `resource` to the upstream on authorization and token
   * requests.
   * @default per preset
   * @see RFC 8707
   */
  @IsOptional() @IsBoolean() forwardResource?: boolean;

  /**
   * Deadline of each upstream request (connect, answer and body), in milliseconds. A request
   * that exceeds it fails as temporarily unavailable.
   * @default 10000
   */
  @IsOptional() @IsInt() @Min(100) @Max(10_000) timeoutMs?: number;

  /**
   * Access-token lifetime assumed when the upstream sends no usable `expires_in`, in seconds.
   * @default 3600 with a refresh token or an unusable `expires_in`; no expiry when the upstream
   * sent neither `expires_in` nor a refresh token (GitHub OAuth apps)
   */
  @IsOptional() @IsInt() @Min(1) fallbackExpiresInSeconds?: number;

  /**
   * Check the user's upstream access token with the provider when MCP requests arrive (GitHub
   * `GET /user`, Discord `GET /oauth2/@me`; local JWT verification where the preset verifies
   * access tokens; userinfo otherwise), so an app authorization revoked at the provider ends
   * the MCP grant (401 `invalid_token`) and the scopes the provider reports for the token now
   * (GitHub `X-OAuth-Scopes`) bound the MCP token's. A successful check is trusted for this
   * many seconds per grant on each instance; failures are never cached: an outage answers 503
   * with `Retry-After`, a refusal revokes the grant. `0` turns the check off.
   * @default 60 for providers with opaque access tokens (`github`, `discord`), 0 otherwise
   */
  @IsOptional() @IsInt() @Min(0) @Max(3600) tokenValidationSeconds?: number;
}

/** Shared parts of every preset's {@link UpstreamProvider}, from the common options. */
export function commonProviderParts(
  options: UpstreamCommonOptions,
  defaults: {
    authMethod: UpstreamClientAuthMethod;
    forwardResource: boolean;
    extraAuthorizeParams?: Record<string, string>;
    /** Request-time token checks, see {@link UpstreamCommonOptions.tokenValidationSeconds}. @default 0 */
    tokenValidationSeconds?: number;
  },
) {
  return {
    clientId: options.clientId,
    ...(options.clientSecret !== undefined ? { clientSecret: options.clientSecret } : {}),
    clientAuthMethod: options.tokenEndpointAuthMethod ?? (options.clientSecret ? defaults.authMethod : 'none'),
    extraAuthorizeParams: { ...defaults.extraAuthorizeParams, ...options.extraAuthorizeParams },
    extraTokenParams: { ...options.extraTokenParams },
    forwardResource: options.forwardResource ?? defaults.forwardResource,
    timeoutMs: options.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
    tokenValidationSeconds: options.tokenValidationSeconds ?? defaults.tokenValidationSeconds ?? 0,
    ...(options.fallbackExpiresInSeconds !== undefined
      ? { fallbackExpiresInSeconds: options.fallbackExpiresInSeconds }
      : {}),
  } as const;
}

/** Removes trailing slashes from a base URL. */
export const trimSlashes = (url: string): string => url.replace(/\/+$/, '');
