import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';
import { RemoteCommonEnvironment } from './remote-common.environment.js';

/**
 * Level 2: Auth0 with DCR (`MCP_AUTH_PROVIDER=auth0`).
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_AUTH0_',
  provider: 'auth0',
  section: 'remote',
  fixed: { provider: 'auth0' },
  title: 'Auth0 (level 2)',
  description: 'Auth0 with dynamic client registration and an API whose identifier is the MCP URL.',
})
export class Auth0Environment extends RemoteCommonEnvironment {
  @EnvVariable({
    name: 'DOMAIN',
    type: EnvTypes.url(),
    required: true,
    description: 'Tenant or custom domain, e.g. `https://your-tenant.us.auth0.com` (the issuer gets a trailing `/`).',
  })
  domain?: string;
}
