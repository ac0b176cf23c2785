import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';
import { UpstreamCommonEnvironment } from './upstream-common.environment.js';

/**
 * Level 3: the OAuth proxy in front of any OpenID Connect provider (`MCP_AUTH_PROVIDER=oidc`).
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_OIDC_',
  provider: 'oidc',
  section: 'proxy',
  fixed: { upstream: { provider: 'oidc' } },
  title: 'OpenID Connect proxy (level 3)',
  description:
    "The OAuth proxy in front of any OpenID Connect provider without dynamic registration (Keycloak, Okta, Zitadel, …), configured from its `.well-known/openid-configuration`; the registered client's redirect URI is the proxy's callback.",
  overrides: {
    tokenEndpointAuthMethod: { default: '`client_secret_basic`' },
    defaultScopes: { default: '`openid`' },
    additionalScopes: {
      default: '`openid`',
      description:
        'Upstream scopes added to every authorization request, never reported back as MCP scopes; add `offline_access` for refresh tokens where the provider requires it.',
    },
    forwardResource: { default: 'true' },
  },
})
export class OidcEnvironment extends UpstreamCommonEnvironment {
  @EnvVariable({
    name: 'ISSUER',
    option: 'upstream.issuer',
    type: EnvTypes.url(),
    required: true,
    description: 'Issuer identifier; its metadata must name it byte for byte.',
  })
  issuer?: string;

  @EnvVariable({
    name: 'AUTHORIZATION_ENDPOINT',
    option: 'upstream.authorizationEndpoint',
    type: EnvTypes.url({ allowQuery: true }),
    default: 'from the metadata',
    description: "Overrides the metadata's `authorization_endpoint`.",
  })
  authorizationEndpoint?: string;

  @EnvVariable({
    name: 'TOKEN_ENDPOINT',
    option: 'upstream.tokenEndpoint',
    type: EnvTypes.url({ allowQuery: true }),
    default: 'from the metadata',
    description: "Overrides the metadata's `token_endpoint`.",
  })
  tokenEndpoint?: string;

  @EnvVariable({
    name: 'REVOCATION_ENDPOINT',
    option: 'upstream.revocationEndpoint',
    type: EnvTypes.url({ allowQuery: true }),
    default: 'from the metadata',
    description: "Overrides the metadata's `revocation_endpoint`.",
  })
  revocationEndpoint?: string;

  @EnvVariable({
    name: 'USERINFO_ENDPOINT',
    option: 'upstream.userinfoEndpoint',
    type: EnvTypes.url({ allowQuery: true }),
    default: 'from the metadata',
    description: "Overrides the metadata's `userinfo_endpoint`.",
  })
  userinfoEndpoint?: string;

  @EnvVariable({
    name: 'JWKS_URI',
    option: 'upstream.jwksUri',
    type: EnvTypes.url({ allowQuery: true }),
    default: 'from the metadata',
    description: "Overrides the metadata's `jwks_uri`.",
  })
  jwksUri?: string;

  @EnvVariable({
    name: 'IDENTITY',
    option: 'upstream.identity',
    type: EnvTypes.oneOf(['id_token', 'userinfo', 'id_token+userinfo']),
    default: '`id_token`',
    description: "Where the user's identity comes from (both: the subjects must match).",
  })
  identity?: string;

  @EnvVariable({
    name: 'ALGORITHMS',
    option: 'upstream.algorithms',
    type: EnvTypes.list,
    default: 'every asymmetric algorithm',
    description: 'Accepted ID-token (and access-token) signature algorithms.',
  })
  algorithms?: string[];

  @EnvVariable({
    name: 'CLOCK_TOLERANCE',
    option: 'upstream.clockToleranceSeconds',
    type: EnvTypes.seconds,
    default: '1m',
    description: 'Tolerance for `exp` and `iat` (at most 10m).',
  })
  clockTolerance?: number;

  @EnvVariable({
    name: 'AUTHORIZATION_RESPONSE_ISS',
    option: 'upstream.authorizationResponseIss',
    type: EnvTypes.boolean,
    default: 'as the metadata advertises',
    description: 'Require RFC 9207 `iss` on authorization responses (`true`) or never (`false`).',
  })
  authorizationResponseIss?: boolean;

  @EnvVariable({
    name: 'ACCESS_TOKEN_AUDIENCE',
    option: 'upstream.accessTokenAudience',
    type: EnvTypes.string,
    description: "Audience of the provider's JWT access tokens; enables their local verification.",
  })
  accessTokenAudience?: string;
}
