import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';
import { CachedVerifierEnvironment } from './cached-verifier.environment.js';

/**
 * Level 1: RFC 7662 token introspection (`MCP_AUTH_PROVIDER=introspection`).
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_INTROSPECTION_',
  provider: 'introspection',
  section: 'verifier',
  fixed: { type: 'introspection' },
  title: 'RFC 7662 introspection (level 1)',
  description: "Verifies opaque (or any) tokens at the authorization server's introspection endpoint.",
})
export class IntrospectionEnvironment extends CachedVerifierEnvironment {
  @EnvVariable({
    name: 'URL',
    option: 'introspectionUrl',
    type: EnvTypes.url({ allowQuery: true }),
    required: true,
    description: 'The introspection endpoint.',
  })
  introspectionUrl?: string;

  @EnvVariable({
    name: 'CLIENT_ID',
    type: EnvTypes.string,
    required: true,
    description: 'Client id this resource server authenticates with.',
  })
  clientId?: string;

  @EnvVariable({
    name: 'CLIENT_SECRET',
    type: EnvTypes.string,
    required: true,
    secret: true,
    description: 'Client secret this resource server authenticates with.',
  })
  clientSecret?: string;

  @EnvVariable({
    name: 'CLIENT_AUTH_METHOD',
    type: EnvTypes.oneOf(['client_secret_basic', 'client_secret_post']),
    default: '`client_secret_basic`',
    description: 'How the client authenticates to the introspection endpoint.',
  })
  clientAuthMethod?: string;

  @EnvVariable({
    name: 'TIMEOUT',
    option: 'timeoutMs',
    type: EnvTypes.milliseconds,
    default: '5s',
    description: 'Abort an introspection request after this long (the token then gets a 503).',
  })
  timeout?: number;

  @EnvVariable({
    name: 'AUDIENCE',
    type: { ...EnvTypes.stringOrList, label: 'string, list or `false`' },
    map: (audience: string | string[]) => (audience === 'false' ? false : audience),
    default: 'the resource URL',
    description: 'Accepted `aud` value(s) in the introspection response; `false` turns the check off.',
  })
  audience?: string | string[] | false;

  @EnvVariable({
    name: 'ISSUER',
    type: EnvTypes.stringOrList,
    description: 'Accepted `iss` value(s), checked when the response contains `iss`.',
  })
  issuer?: string | string[];
}
