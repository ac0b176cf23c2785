import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { DEFAULT_ASYMMETRIC_ALGORITHMS } from '../../../core/options/verifier-options.js';
import { IsHttpUrl } from '../../../core/options/validators.js';
import type { UpstreamProvider } from '../upstream-provider.interface.js';
import { identityScopeMapping } from '../upstream-scopes.js';
import { commonProviderParts, UpstreamCommonOptions } from './upstream-common.options.js';

/**
 * Any OpenID Connect provider without dynamic registration (Keycloak, Okta, Ping, Zitadel,
 * panva's oidc-provider…), configured from its `.well-known/openid-configuration`.
 *
 * | Option | Default |
 * |---|---|
 * | `issuer` | required, exactly as the metadata spells it |
 * | `*Endpoint`, `jwksUri` | from the metadata (each can be overridden) |
 * | `identity` | `id_token` (userinfo after a refresh) |
 * | `defaultScopes` | `['openid']` |
 * | `additionalScopes` | `['openid']` (add `offline_access` for refresh tokens where required) |
 * | `tokenEndpointAuthMethod` | `client_secret_basic` |
 * | `forwardResource` | `true` |
 * | `authorizationResponseIss` | as the metadata's `authorization_response_iss_parameter_supported` |
 *
 * Identity: the ID token verified with the metadata's JWKS (`iss`, `aud` = client id, `nonce`),
 * and/or userinfo. With `accessTokenAudience`, JWT access tokens can be verified locally.
 * @publicApi
 */
export class OidcUpstreamOptions extends UpstreamCommonOptions {
  /** Selects the `oidc` preset. */
  @IsIn(['oidc']) provider!: 'oidc';

  /** Client secret (omit it for a public client using PKCE only). */
  @IsOptional() @IsString() @MinLength(1) clientSecret?: string;

  /** Issuer identifier; its metadata is fetched on first use and must name it byte for byte. */
  @IsHttpUrl() issuer!: string;

  /** Overrides the metadata's `authorization_endpoint`. */
  @IsOptional() @IsHttpUrl({ allowQuery: true }) authorizationEndpoint?: string;
  /** Overrides the metadata's `token_endpoint`. */
  @IsOptional() @IsHttpUrl({ allowQuery: true }) tokenEndpoint?: string;
  /** Overrides the metadata's `revocation_endpoint`. */
  @IsOptional() @IsHttpUrl({ allowQuery: true }) revocationEndpoint?: string;
  /** Overrides the metadata's `userinfo_endpoint`. */
  @IsOptional() @IsHttpUrl({ allowQuery: true }) userinfoEndpoint?: string;
  /** Overrides the metadata's `jwks_uri`. */
  @IsOptional() @IsHttpUrl({ allowQuery: true }) jwksUri?: string;

  /**
   * Where the user's identity comes from: the ID token (`id_token`), the userinfo endpoint
   * (`userinfo`), or both with matching subjects (`id_token+userinfo`).
   * @default 'id_token'
   */
  @IsOptional() @IsIn(['id_token', 'userinfo', 'id_token+userinfo']) identity?:
    'id_token' | 'userinfo' | 'id_token+userinfo';

  /** Accepted ID token (and access token) signature algorithms. @default every asymmetric algorithm */
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @IsIn([...DEFAULT_ASYMMETRIC_ALGORITHMS], { each: true })
  algorithms?: string[];

  /** Clock tolerance for `exp`/`iat`, in seconds. @default 60 */
  @IsOptional() @IsInt() @Min(0) @Max(600) clockToleranceSeconds?: number;

  /**
   * Require RFC 9207 `iss` on authorization responses (`true`) or never (`false`).
   * @default as the metadata advertises
   */
  @IsOptional() @IsBoolean() authorizationResponseIss?: boolean;

  /** Audience of the provider's JWT access tokens; enables their local verification. */
  @IsOptional() @IsString() @MinLength(1) accessTokenAudience?: string;
}

/** The {@link UpstreamProvider} of the `oidc` preset. @publicApi */
export function oidcUpstream(options: OidcUpstreamOptions): UpstreamProvider {
  const algorithms = options.algorithms ?? [...DEFAULT_ASYMMETRIC_ALGORITHMS];
  const clockToleranceSeconds = options.clockToleranceSeconds ?? 60;
  const endpoints = {
    ...(options.authorizationEndpoint ? { authorization: options.authorizationEndpoint } : {}),
    ...(options.tokenEndpoint ? { token: options.tokenEndpoint } : {}),
    ...(options.revocationEndpoint ? { revocation: options.revocationEndpoint } : {}),
    ...(options.userinfoEndpoint ? { userinfo: options.userinfoEndpoint } : {}),
    ...(options.jwksUri ? { jwksUri: options.jwksUri } : {}),
  };
  return {
    name: 'oidc',
    ...commonProviderParts(options, { authMethod: 'client_secret_basic', forwardResource: true }),
    endpoints,
    issuer: options.issuer,
    discovery: true,
    ...(options.authorizationResponseIss !== undefined
      ? { authorizationResponseIss: options.authorizationResponseIss }
      : {}),
    scopes: {
      mapping: identityScopeMapping,
      defaultScopes: options.defaultScopes ?? ['openid'],
      additionalScopes: options.additionalScopes ?? ['openid'],
      separator: / +/,
    },
    revocation: { kind: 'rfc7009' },
    identity: { kind: 'oidc', mode: options.identity ?? 'id_token', algorithms, clockToleranceSeconds },
    ...(options.accessTokenAudience
      ? {
          accessTokenVerification: {
            issuers: [options.issuer],
            audience: options.accessTokenAudience,
            algorithms,
            clockToleranceSeconds,
          },
        }
      : {}),
  };
}
