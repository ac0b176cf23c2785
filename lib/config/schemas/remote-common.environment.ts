import { EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';

/**
 * Variables every remote (level 2) preset takes, under its own prefix:
 * `MCP_AUTH_AUTHKIT_AUDIENCE`, `MCP_AUTH_KEYCLOAK_JWKS_URI`, …
 */
export abstract class RemoteCommonEnvironment {
  @EnvVariable({
    name: 'AUDIENCE',
    type: EnvTypes.stringOrList,
    default: 'per preset',
    description: 'Accepted `aud` value(s).',
  })
  audience?: string | string[];

  @EnvVariable({
    name: 'JWKS_URI',
    type: EnvTypes.url({ allowQuery: true }),
    default: 'per preset',
    description: "Override the provider's key location.",
  })
  jwksUri?: string;

  @EnvVariable({
    name: 'TOKEN_ISSUER',
    type: EnvTypes.stringOrList,
    default: 'the advertised issuer',
    description: '`iss` accepted in tokens, when it differs from the advertised issuer.',
  })
  tokenIssuer?: string | string[];

  @EnvVariable({
    name: 'REQUIRED_TYPE',
    type: EnvTypes.string,
    description: 'Require this JWT `typ`, e.g. `at+jwt`.',
  })
  requiredType?: string;

  @EnvVariable({
    name: 'MIRROR_METADATA',
    type: EnvTypes.boolean,
    default: 'false',
    description: "Serve the provider's metadata on this origin too (for clients of the 2025-03-26 revision).",
  })
  mirrorMetadata?: boolean;

  @EnvVariable({
    name: 'METADATA_TIMEOUT',
    option: 'metadataTimeoutMs',
    type: EnvTypes.milliseconds,
    default: '5s',
    description: 'Timeout of the metadata fetch behind the mirror.',
  })
  metadataTimeout?: number;

  @EnvVariable({
    name: 'METADATA_CACHE',
    option: 'metadataCacheSeconds',
    type: EnvTypes.seconds,
    default: '5m',
    description: 'How long a fetched metadata document is served before it is fetched again.',
  })
  metadataCache?: number;
}
