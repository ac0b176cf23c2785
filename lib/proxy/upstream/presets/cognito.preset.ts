import { IsIn, IsOptional, IsString, Matches, MinLength } from 'class-validator';
import { IsHttpUrl } from '../../../core/options/validators.js';
import type { UpstreamProvider } from '../upstream-provider.interface.js';
import { identityScopeMapping } from '../upstream-scopes.js';
import { commonProviderParts, trimSlashes, UpstreamCommonOptions } from './upstream-common.options.js';

/**
 * Amazon Cognito user pool (OpenID Connect through discovery).
 *
 * | Option | Default |
 * |---|---|
 * | `region`, `userPoolId` | required (`eu-central-1`, `eu-central-1_AbCdEf123`) |
 * | `idpBaseUrl` | `https://cognito-idp.{region}.amazonaws.com`; the issuer is `{idpBaseUrl}/{userPoolId}` |
 * | `domain` | from discovery (the hosted UI / managed login domain, e.g. `https://auth.example.com`) |
 * | `defaultScopes` | `['openid', 'email', 'profile']` |
 * | `tokenEndpointAuthMethod` | `client_secret_basic` |
 * | `forwardResource` | `true` (give the MCP URL a Cognito resource server to bind access tokens to it) |
 *
 * Identity: the ID token (`aud` = client id, `token_use: id`). Access tokens have no `aud` but a
 * `client_id` claim: local verification checks it and `token_use: access`. Revocation at
 * `{domain}/oauth2/revoke` (refresh tokens). Refreshes return no new refresh token.
 * @publicApi
 */
export class CognitoUpstreamOptions extends UpstreamCommonOptions {
  /** Selects the `cognito` preset. */
  @IsIn(['cognito']) provider!: 'cognito';

  /** App client secret (omit it for a public app client). */
  @IsOptional() @IsString() @MinLength(1) clientSecret?: string;

  /** AWS region of the user pool. */
  @Matches(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'must be an AWS region such as eu-central-1' }) region!: string;

  /** User pool id, `{region}_{id}`. */
  @Matches(/^[a-z]{2}(-[a-z]+)+-\d_[A-Za-z0-9]+$/, { message: 'must be a user pool id such as eu-central-1_AbC123' })
  userPoolId!: string;

  /** Base of the pool's issuer. @default `https://cognito-idp.{region}.amazonaws.com` */
  @IsOptional() @IsHttpUrl() idpBaseUrl?: string;

  /** Hosted UI / managed login domain; the endpoints come from discovery when absent. */
  @IsOptional() @IsHttpUrl() domain?: string;
}

/** The {@link UpstreamProvider} of the `cognito` preset. @publicApi */
export function cognitoUpstream(options: CognitoUpstreamOptions): UpstreamProvider {
  const issuer = `${trimSlashes(options.idpBaseUrl ?? `https://cognito-idp.${options.region}.amazonaws.com`)}/${options.userPoolId}`;
  const domain = options.domain ? trimSlashes(options.domain) : undefined;
  return {
    name: 'cognito',
    ...commonProviderParts(options, { authMethod: 'client_secret_basic', forwardResource: true }),
    endpoints: domain
      ? {
          authorization: `${domain}/oauth2/authorize`,
          token: `${domain}/oauth2/token`,
          revocation: `${domain}/oauth2/revoke`,
          userinfo: `${domain}/oauth2/userInfo`,
        }
      : {},
    issuer,
    discovery: true,
    scopes: {
      mapping: identityScopeMapping,
      defaultScopes: options.defaultScopes ?? ['openid', 'email', 'profile'],
      additionalScopes: options.additionalScopes ?? ['openid'],
      separator: / +/,
    },
    revocation: { kind: 'rfc7009' },
    identity: {
      kind: 'oidc',
      mode: 'id_token',
      algorithms: ['RS256'],
      clockToleranceSeconds: 60,
      requiredClaims: { token_use: 'id' },
    },
    accessTokenVerification: {
      issuers: [issuer],
      clientIdClaim: 'client_id',
      requiredClaims: { token_use: 'access' },
      algorithms: ['RS256'],
      clockToleranceSeconds: 60,
    },
  };
}
