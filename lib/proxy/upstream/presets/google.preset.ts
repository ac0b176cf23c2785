import { IsIn, IsOptional, IsString, Matches, MinLength } from 'class-validator';
import { IsHttpUrl } from '../../../core/options/validators.js';
import type { UpstreamProvider } from '../upstream-provider.interface.js';
import { aliasedScopeMapping } from '../upstream-scopes.js';
import { commonProviderParts, UpstreamCommonOptions } from './upstream-common.options.js';

/** Google's issuer identifier; its ID tokens may also say `accounts.google.com`. */
export const GOOGLE_ISSUER = 'https://accounts.google.com';

/**
 * Google (OpenID Connect).
 *
 * | Option | Default |
 * |---|---|
 * | `authorizationEndpoint` | `https://accounts.google.com/o/oauth2/v2/auth` |
 * | `tokenEndpoint` | `https://oauth2.googleapis.com/token` |
 * | `revocationEndpoint` | `https://oauth2.googleapis.com/revoke` |
 * | `userinfoEndpoint` | `https://openidconnect.googleapis.com/v1/userinfo` |
 * | `issuer` | `https://accounts.google.com` (its metadata gives the JWKS) |
 * | `defaultScopes` | `['openid', 'email', 'profile']` |
 * | `extraAuthorizeParams` | `access_type=offline`, `prompt=consent` (to get a refresh token every time) |
 * | `tokenEndpointAuthMethod` | `client_secret_post` |
 * | `forwardResource` | `false` (Google refuses unknown authorization parameters) |
 *
 * Identity: the ID token, verified with Google's JWKS found through discovery (`iss` either
 * spelling, `aud` = client id, `nonce`, and `hd` when `hostedDomain` is set); userinfo after a
 * refresh. Google echoes `email`/`profile` as `…/auth/userinfo.email`/`…profile`; they are
 * mapped back. Refreshes return no new refresh token (the old one is kept).
 * @publicApi
 */
export class GoogleUpstreamOptions extends UpstreamCommonOptions {
  /** Selects the `google` preset. */
  @IsIn(['google']) provider!: 'google';

  /** OAuth client secret (omit it only for a client type Google lets redeem codes with PKCE alone). */
  @IsOptional() @IsString() @MinLength(1) clientSecret?: string;

  /** Issuer whose metadata gives the JWKS. @default 'https://accounts.google.com' */
  @IsOptional() @IsHttpUrl() issuer?: string;
  /** Authorization endpoint. @default 'https://accounts.google.com/o/oauth2/v2/auth' */
  @IsOptional() @IsHttpUrl() authorizationEndpoint?: string;
  /** Token endpoint. @default 'https://oauth2.googleapis.com/token' */
  @IsOptional() @IsHttpUrl() tokenEndpoint?: string;
  /** RFC 7009 revocation endpoint. @default 'https://oauth2.googleapis.com/revoke' */
  @IsOptional() @IsHttpUrl() revocationEndpoint?: string;
  /** Userinfo endpoint. @default 'https://openidconnect.googleapis.com/v1/userinfo' */
  @IsOptional() @IsHttpUrl() userinfoEndpoint?: string;
  /** JWKS URL; read from the issuer's metadata when absent. */
  @IsOptional() @IsHttpUrl() jwksUri?: string;

  /**
   * Only accept users of this Google Workspace domain: sent as `hd` and, as Google requires,
   * checked in the ID token's `hd` claim.
   */
  @IsOptional() @Matches(/^[a-z0-9.-]+\.[a-z]{2,}$/i, { message: 'must be a domain name' }) hostedDomain?: string;
}

/** The {@link UpstreamProvider} of the `google` preset. @publicApi */
export function googleUpstream(options: GoogleUpstreamOptions): UpstreamProvider {
  const issuer = options.issuer ?? GOOGLE_ISSUER;
  const aliases = issuer === GOOGLE_ISSUER ? ['accounts.google.com'] : [];
  return {
    name: 'google',
    ...commonProviderParts(options, {
      authMethod: 'client_secret_post',
      forwardResource: false,
      extraAuthorizeParams: {
        access_type: 'offline',
        prompt: 'consent',
        ...(options.hostedDomain ? { hd: options.hostedDomain } : {}),
      },
    }),
    endpoints: {
      authorization: options.authorizationEndpoint ?? 'https://accounts.google.com/o/oauth2/v2/auth',
      token: options.tokenEndpoint ?? 'https://oauth2.googleapis.com/token',
      revocation: options.revocationEndpoint ?? 'https://oauth2.googleapis.com/revoke',
      userinfo: options.userinfoEndpoint ?? 'https://openidconnect.googleapis.com/v1/userinfo',
      ...(options.jwksUri ? { jwksUri: options.jwksUri } : {}),
    },
    issuer,
    issuerAliases: aliases,
    discovery: options.jwksUri === undefined,
    authorizationResponseIss: false,
    scopes: {
      mapping: aliasedScopeMapping({
        'https://www.googleapis.com/auth/userinfo.email': 'email',
        'https://www.googleapis.com/auth/userinfo.profile': 'profile',
      }),
      defaultScopes: options.defaultScopes ?? ['openid', 'email', 'profile'],
      additionalScopes: options.additionalScopes ?? ['openid'],
      separator: / +/,
    },
    revocation: { kind: 'rfc7009' },
    identity: {
      kind: 'oidc',
      mode: 'id_token',
      issuers: [issuer, ...aliases],
      algorithms: ['RS256'],
      clockToleranceSeconds: 60,
      ...(options.hostedDomain ? { requiredClaims: { hd: options.hostedDomain } } : {}),
    },
  };
}
