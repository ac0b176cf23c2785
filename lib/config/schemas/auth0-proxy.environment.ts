import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';
import { UpstreamCommonEnvironment } from './upstream-common.environment.js';

/**
 * Level 3: the OAuth proxy in front of an Auth0 application (`MCP_AUTH_PROVIDER=auth0-proxy`).
 * `auth0` is the level-2 preset, for tenants with dynamic client registration; this one is for
 * tenants without it, through one regular web application.
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_AUTH0_PROXY_',
  provider: 'auth0-proxy',
  section: 'proxy',
  fixed: { upstream: { provider: 'auth0' } },
  title: 'Auth0 OAuth proxy (level 3)',
  description:
    'The OAuth proxy in front of one Auth0 regular web application, for tenants without dynamic client registration (with it, use `auth0`, level 2).',
  overrides: {
    tokenEndpointAuthMethod: { default: '`client_secret_post`' },
    defaultScopes: { default: '`openid profile email`' },
    additionalScopes: { default: '`openid offline_access`' },
    forwardResource: { default: 'false' },
  },
})
export class Auth0ProxyEnvironment extends UpstreamCommonEnvironment {
  @EnvVariable({
    name: 'DOMAIN',
    option: 'upstream.domain',
    type: EnvTypes.url(),
    required: true,
    description: 'Tenant or custom domain, e.g. `https://your-tenant.us.auth0.com` (the issuer gets a trailing `/`).',
  })
  domain?: string;

  @EnvVariable({
    name: 'AUDIENCE',
    option: 'upstream.audience',
    type: EnvTypes.string,
    description: 'API identifier sent as `audience`, so Auth0 issues JWT access tokens for that API.',
  })
  audience?: string;
}
