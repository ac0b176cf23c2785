import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';
import { RemoteCommonEnvironment } from './remote-common.environment.js';

/**
 * Level 2: WorkOS AuthKit (`MCP_AUTH_PROVIDER=authkit`).
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_AUTHKIT_',
  provider: 'authkit',
  section: 'remote',
  fixed: { provider: 'authkit' },
  title: 'WorkOS AuthKit (level 2)',
  description: 'DCR and CIMD; tokens bound to the MCP URL (see [remote OAuth](remote-oauth.md)).',
})
export class AuthKitEnvironment extends RemoteCommonEnvironment {
  @EnvVariable({
    name: 'DOMAIN',
    type: EnvTypes.url(),
    required: true,
    description: 'Your AuthKit domain, e.g. `https://your-app.authkit.app` (it is the issuer).',
  })
  domain?: string;
}
