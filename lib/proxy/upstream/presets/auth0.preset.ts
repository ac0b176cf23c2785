import { IsIn, IsOptional, IsString, MinLength } from 'class-validator';
import { IsHttpUrl } from '../../../core/options/validators.js';
import type { UpstreamProvider } from '../upstream-provider.interface.js';
import { identityScopeMapping } from '../upstream-scopes.js';
import { commonProviderParts, trimSlashes, UpstreamCommonOptions } from './upstream-common.options.js';

/**
 * Auth0 (a regular web application; OpenID Connect through discovery).
 *
 * | Option | Default |
 * |---|---|
 * | `domain` | required: `https://your-tenant.us.auth0.com` or a custom domain; the issuer is `{domain}/` |
 * | `audience` | none: with an API identifier, Auth0 issues JWT access tokens for that API |
 * | `defaultScopes` | `['openid', 'profile', 'email']` |
 * | `additionalScopes` | `['openid', 'offline_access']` (refresh tokens when the API allows offline access) |
 * | `tokenEndpointAuthMethod` | `client_secret_post` |
 * | `forwardResource` | `false` (Auth0 selects the API by `audience`) |
 *
 * Identity: the ID token (`aud` = client id), userinfo after a refresh. With `audience`, access
 * tokens can be verified locally (`iss`, `aud` = audience). Revocation at `{domain}/oauth/revoke`.
 * @publicApi
 */
export class Auth0UpstreamOptions extends UpstreamCommonOptions {
  /** Selects the `auth0` preset. */
  @IsIn(['auth0']) provider!: 'auth0';

  /** Client secret of the application. */
  @IsOptional() @IsString() @MinLength(1) clientSecret?: string;

  /** Tenant or custom domain URL. */
  @IsHttpUrl() domain!: string;

  /** API identifier sent as `audience` on authorization requests. */
  @IsOptional() @IsString() @MinLength(1) audience?: string;
}

/** The {@link UpstreamProvider} of the `auth0` preset. @publicApi */
export function auth0Upstream(options: Auth0UpstreamOptions): UpstreamProvider {
  const issuer = `${trimSlashes(options.domain)}/`;
  return {
    name: 'auth0',
    ...commonProviderParts(options, {
      authMethod: 'client_secret_post',
      forwardResource: false,
      extraAuthorizeParams: options.audience ? { audience: options.audience } : {},
    }),
    endpoints: {},
    issuer,
    discovery: true,
    scopes: {
      mapping: identityScopeMapping,
      defaultScopes: options.defaultScopes ?? ['openid', 'profile', 'email'],
      additionalScopes: options.additionalScopes ?? ['openid', 'offline_access'],
      separator: / +/,
    },
    revocation: { kind: 'rfc7009' },
    identity: { kind: 'oidc', mode: 'id_token', algorithms: ['RS256', 'PS256'], clockToleranceSeconds: 60 },
    ...(options.audience
      ? {
          accessTokenVerification: {
            issuers: [issuer],
            audience: options.audience,
            algorithms: ['RS256', 'PS256'],
            clockToleranceSeconds: 60,
          },
        }
      : {}),
  };
}
