import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';
import { UpstreamCommonEnvironment } from './upstream-common.environment.js';

/**
 * Level 3: the OAuth proxy in front of Google (`MCP_AUTH_PROVIDER=google`).
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_GOOGLE_',
  provider: 'google',
  section: 'proxy',
  fixed: { upstream: { provider: 'google' } },
  title: 'Google OAuth proxy (level 3)',
  description:
    'The OAuth proxy in front of a Google OAuth client (OpenID Connect; `access_type=offline` and `prompt=consent` by default, so a refresh token comes every time).',
  overrides: {
    tokenEndpointAuthMethod: { default: '`client_secret_post`' },
    defaultScopes: { default: '`openid email profile`' },
    additionalScopes: { default: '`openid`' },
    forwardResource: { default: 'false' },
  },
})
export class GoogleEnvironment extends UpstreamCommonEnvironment {
  @EnvVariable({
    name: 'ISSUER',
    option: 'upstream.issuer',
    type: EnvTypes.url(),
    default: '`https://accounts.google.com`',
    description: 'Issuer whose metadata gives the JWKS.',
  })
  issuer?: string;

  @EnvVariable({
    name: 'AUTHORIZATION_ENDPOINT',
    option: 'upstream.authorizationEndpoint',
    type: EnvTypes.url(),
    default: "Google's",
    description: 'Authorization endpoint.',
  })
  authorizationEndpoint?: string;

  @EnvVariable({
    name: 'TOKEN_ENDPOINT',
    option: 'upstream.tokenEndpoint',
    type: EnvTypes.url(),
    default: "Google's",
    description: 'Token endpoint.',
  })
  tokenEndpoint?: string;

  @EnvVariable({
    name: 'REVOCATION_ENDPOINT',
    option: 'upstream.revocationEndpoint',
    type: EnvTypes.url(),
    default: "Google's",
    description: 'RFC 7009 revocation endpoint.',
  })
  revocationEndpoint?: string;

  @EnvVariable({
    name: 'USERINFO_ENDPOINT',
    option: 'upstream.userinfoEndpoint',
    type: EnvTypes.url(),
    default: "Google's",
    description: 'Userinfo endpoint.',
  })
  userinfoEndpoint?: string;

  @EnvVariable({
    name: 'JWKS_URI',
    option: 'upstream.jwksUri',
    type: EnvTypes.url(),
    default: "from the issuer's metadata",
    description: 'JWKS URL.',
  })
  jwksUri?: string;

  @EnvVariable({
    name: 'HOSTED_DOMAIN',
    option: 'upstream.hostedDomain',
    type: EnvTypes.string,
    description:
      'Only accept users of this Google Workspace domain (sent as `hd`, checked in the ID token), e.g. `example.com`.',
  })
  hostedDomain?: string;
}
