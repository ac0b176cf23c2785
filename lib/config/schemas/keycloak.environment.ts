import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';
import { RemoteCommonEnvironment } from './remote-common.environment.js';

/**
 * Level 2: Keycloak with DCR (`MCP_AUTH_PROVIDER=keycloak`).
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_KEYCLOAK_',
  provider: 'keycloak',
  section: 'remote',
  fixed: { provider: 'keycloak' },
  title: 'Keycloak (level 2)',
  description:
    'Keycloak ignores `resource`: add an audience mapper that puts the MCP URL into `aud`, or set the audience.',
})
export class KeycloakEnvironment extends RemoteCommonEnvironment {
  @EnvVariable({
    name: 'REALM_URL',
    type: EnvTypes.url(),
    required: true,
    description: 'Realm URL, e.g. `https://keycloak.example.com/realms/mcp` (it is the issuer).',
  })
  realmUrl?: string;
}
