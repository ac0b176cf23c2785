import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';
import { RemoteCommonEnvironment } from './remote-common.environment.js';

/**
 * Level 2: any RFC 8414 / OpenID Connect issuer with DCR or CIMD (`MCP_AUTH_PROVIDER=remote`).
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_REMOTE_',
  provider: 'remote',
  section: 'remote',
  fixed: { provider: 'generic' },
  title: 'Any RFC 8414 / OpenID Connect issuer (level 2)',
  description:
    'The `generic` remote provider. Tokens are verified as JWTs with keys from the issuer metadata, or by introspection when `MCP_AUTH_REMOTE_INTROSPECTION_URL` is set.',
})
export class RemoteEnvironment extends RemoteCommonEnvironment {
  @EnvVariable({
    name: 'ISSUER',
    type: EnvTypes.url(),
    required: true,
    description: "The issuer exactly as the server's metadata spells it (trailing slash included).",
  })
  issuer?: string;

  @EnvVariable({
    name: 'INTROSPECTION_URL',
    option: 'introspection.introspectionUrl',
    type: EnvTypes.url({ allowQuery: true }),
    description: 'Verify tokens by RFC 7662 introspection at this endpoint instead of as JWTs.',
  })
  introspectionUrl?: string;

  @EnvVariable({
    name: 'INTROSPECTION_CLIENT_ID',
    option: 'introspection.clientId',
    type: EnvTypes.string,
    description: 'With introspection: the client id this resource server authenticates with.',
  })
  introspectionClientId?: string;

  @EnvVariable({
    name: 'INTROSPECTION_CLIENT_SECRET',
    option: 'introspection.clientSecret',
    type: EnvTypes.string,
    secret: true,
    description: 'With introspection: the client secret.',
  })
  introspectionClientSecret?: string;

  @EnvVariable({
    name: 'INTROSPECTION_CLIENT_AUTH_METHOD',
    option: 'introspection.clientAuthMethod',
    type: EnvTypes.oneOf(['client_secret_basic', 'client_secret_post']),
    default: '`client_secret_basic`',
    description: 'With introspection: how the client authenticates.',
  })
  introspectionClientAuthMethod?: string;
}
