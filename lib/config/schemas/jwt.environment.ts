import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';
import { CachedVerifierEnvironment } from './cached-verifier.environment.js';

/**
 * Level 1: JWT access tokens issued elsewhere (`MCP_AUTH_PROVIDER=jwt`).
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_JWT_',
  provider: 'jwt',
  section: 'verifier',
  fixed: { type: 'jwt' },
  title: 'JWT access tokens (level 1)',
  description:
    'Verifies JWTs issued elsewhere (see [token verification](token-verification.md)). Set exactly one key source: `MCP_AUTH_JWT_JWKS_URI`, `MCP_AUTH_JWT_PUBLIC_KEYS`, `MCP_AUTH_JWT_SECRET` or `MCP_AUTH_JWT_DISCOVERY=true`.',
})
export class JwtEnvironment extends CachedVerifierEnvironment {
  @EnvVariable({
    name: 'ISSUER',
    type: EnvTypes.stringOrList,
    required: true,
    description: 'Accepted `iss` value(s), compared byte for byte.',
  })
  issuer?: string | string[];

  @EnvVariable({
    name: 'JWKS_URI',
    type: EnvTypes.url({ allowQuery: true }),
    description: "The issuer's JWKS URL.",
  })
  jwksUri?: string;

  @EnvVariable({
    name: 'PUBLIC_KEYS',
    type: EnvTypes.keys,
    description:
      'Static verification keys: an SPKI or certificate PEM (`\\n` escapes allowed), a JWK, an array of JWKs or a JWK Set.',
  })
  publicKeys?: unknown[];

  @EnvVariable({
    name: 'SECRET',
    type: EnvTypes.string,
    secret: true,
    description: 'Shared HMAC secret (at least 32 characters); then only HS256/HS384/HS512 tokens are accepted.',
  })
  secret?: string;

  @EnvVariable({
    name: 'DISCOVERY',
    type: EnvTypes.boolean,
    default: 'false',
    description: "Find the JWKS through the issuer's RFC 8414 / OpenID Connect metadata (needs one issuer).",
  })
  discovery?: boolean;

  @EnvVariable({
    name: 'ALGORITHMS',
    type: EnvTypes.list,
    default: 'every asymmetric algorithm (HS* with a secret)',
    description: 'Accepted `alg` values.',
  })
  algorithms?: string[];

  @EnvVariable({
    name: 'AUDIENCE',
    type: EnvTypes.stringOrList,
    default: 'the resource URL',
    description: 'Accepted `aud` value(s) (RFC 8707 audience binding).',
  })
  audience?: string | string[];

  @EnvVariable({
    name: 'CLOCK_TOLERANCE',
    option: 'clockToleranceSeconds',
    type: EnvTypes.seconds,
    default: '30s',
    description: 'Tolerance for `exp`, `nbf` and `iat`.',
  })
  clockTolerance?: number;

  @EnvVariable({
    name: 'MAX_TOKEN_AGE',
    option: 'maxTokenAgeSeconds',
    type: EnvTypes.seconds,
    description: 'Refuse tokens whose `iat` is older than this (and require `iat`).',
  })
  maxTokenAge?: number;

  @EnvVariable({
    name: 'REQUIRED_TYPE',
    type: EnvTypes.string,
    description: 'Require this `typ` header, e.g. `at+jwt` (RFC 9068).',
  })
  requiredType?: string;

  @EnvVariable({
    name: 'JWKS_TIMEOUT',
    option: 'jwks.timeoutMs',
    type: EnvTypes.milliseconds,
    default: '5s',
    description: 'Abort a JWKS request after this long (the token then gets a 503).',
  })
  jwksTimeout?: number;

  @EnvVariable({
    name: 'JWKS_COOLDOWN',
    option: 'jwks.cooldownMs',
    type: EnvTypes.milliseconds,
    default: '30s',
    description: 'Minimum time between two JWKS fetches caused by an unknown `kid`.',
  })
  jwksCooldown?: number;

  @EnvVariable({
    name: 'JWKS_CACHE_MAX_AGE',
    option: 'jwks.cacheMaxAgeMs',
    type: EnvTypes.milliseconds,
    default: '10m',
    description: 'How long a fetched JWKS is used before it is fetched again.',
  })
  jwksCacheMaxAge?: number;

  @EnvVariable({
    name: 'JWKS_MAX_RESPONSE_BYTES',
    option: 'jwks.maxResponseBytes',
    type: EnvTypes.integer,
    default: '262144',
    description: 'Largest JWKS response accepted.',
  })
  jwksMaxResponseBytes?: number;
}
