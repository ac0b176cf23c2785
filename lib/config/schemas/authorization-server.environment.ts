import { EnvVariable, EnvVariableGroup } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';

/**
 * Variables of the authorization server that levels 3 (`github`, `google`, …, `oidc`) and 4
 * (`server`) present to MCP clients: its issuer, endpoints, token lifetimes, signing keys and
 * client identification. One set of names for every level-3 and level-4 provider, so that
 * switching the upstream provider keeps the keys and settings; they fill the selected provider's
 * section (`proxy` or `server`).
 */
@EnvVariableGroup({
  prefix: 'MCP_AUTH_',
  title: 'Authorization server (levels 3 and 4)',
  description:
    'Read with every level-3 provider (`github`, `google`, `azure`, `cognito`, `auth0-proxy`, `discord`, `oidc`) and with `server`: the authorization server the module presents to MCP clients (see [OAuth proxy](oauth-proxy.md)). In production, `MCP_AUTH_SIGNING_KEYS` is required, and so is `MCP_AUTH_STORAGE_ENCRYPTION_KEYS` for level 3 (it stores upstream tokens).',
})
export abstract class AuthorizationServerEnvironment {
  @EnvVariable({
    name: 'ISSUER_URL',
    option: 'issuerUrl',
    type: EnvTypes.url(),
    default: 'the origin of the resource URL',
    description:
      "Issuer identifier, exactly as advertised (RFC 8414 `issuer`, RFC 9207 `iss`, the tokens' `iss`, `authorization_servers[0]`).",
  })
  issuerUrl?: string;

  @EnvVariable({
    name: 'OAUTH_BASE_URL',
    option: 'baseUrl',
    type: EnvTypes.url(),
    default: '`MCP_AUTH_ISSUER_URL`',
    description:
      'Public URL the endpoint paths are appended to, e.g. behind a proxy that mounts the application under a path.',
  })
  baseUrl?: string;

  @EnvVariable({
    name: 'OAUTH_PATHS',
    option: 'paths',
    type: EnvTypes.json,
    default: '`/authorize`, `/token`, `/register`, …',
    description:
      'Endpoint paths as a JSON object, e.g. `{"authorize":"/oauth/authorize","callback":"/oauth/github/callback"}` (keys: `authorize`, `token`, `register`, `revoke`, `consent`, `jwks`, `callback`, `login`, `introspect`).',
  })
  paths?: Record<string, string>;

  @EnvVariable({
    name: 'OAUTH_SCOPES',
    option: 'scopes',
    type: EnvTypes.list,
    default: 'advertised, required and tool scopes',
    description: "Scopes clients may request (the authorization server's `scopes_supported`).",
  })
  scopes?: string[];

  @EnvVariable({
    name: 'ACCESS_TOKEN_TTL',
    option: 'accessTokenTtlSeconds',
    type: EnvTypes.seconds,
    default: '1h',
    description: 'Lifetime of issued access tokens (1m to 1d).',
  })
  accessTokenTtl?: number;

  @EnvVariable({
    name: 'REFRESH_TOKEN_TTL',
    option: 'refreshTokenTtlSeconds',
    type: EnvTypes.seconds,
    default: '30d',
    description: "Lifetime of a grant's refresh tokens (at least 5m).",
  })
  refreshTokenTtl?: number;

  @EnvVariable({
    name: 'REFRESH_GRACE',
    option: 'refreshGraceSeconds',
    type: EnvTypes.seconds,
    default: '10s',
    description:
      'Window in which a refresh token used twice counts as a retry rather than a theft (at most 2m; `0` turns it off).',
  })
  refreshGrace?: number;

  @EnvVariable({
    name: 'AUTHORIZATION_CODE_TTL',
    option: 'authorizationCodeTtlSeconds',
    type: EnvTypes.seconds,
    default: '1m',
    description: 'Lifetime of authorization codes (10s to 10m).',
  })
  authorizationCodeTtl?: number;

  @EnvVariable({
    name: 'TRANSACTION_TTL',
    option: 'transactionTtlSeconds',
    type: EnvTypes.seconds,
    default: '10m',
    description: 'How long a user has to finish an authorization: consent, sign-in (1m to 1h).',
  })
  transactionTtl?: number;

  @EnvVariable({
    name: 'REMEMBER_CONSENT_DAYS',
    option: 'rememberConsentDays',
    type: EnvTypes.integer,
    default: '0 (always ask)',
    description: 'Offer "remember my decision" on the consent page, for this many days (at most 365).',
  })
  rememberConsentDays?: number;

  @EnvVariable({
    name: 'SIGNING_KEYS',
    option: 'signingKeys',
    type: EnvTypes.signingKeys,
    secret: true,
    default: 'an ephemeral key (development only)',
    description:
      'Private keys that sign access tokens (`npx nestjs-mcp-auth keys generate`): PKCS#8 PEM block(s), a private JWK, a JWK Set, or a JSON array of JWKs or `{"privateKey":…,"kid":…,"activateAt":…,"retireAt":…}` objects for rotation (times in epoch seconds). Required in production.',
  })
  signingKeys?: unknown[];

  @EnvVariable({
    name: 'DCR',
    option: 'clientRegistration.enabled',
    type: EnvTypes.boolean,
    default: 'true',
    description:
      'Dynamic client registration (RFC 7591): serve `POST /register`. When off, clients use `MCP_AUTH_CLIENTS` or client ID metadata documents.',
  })
  dcr?: boolean;

  @EnvVariable({
    name: 'DCR_RATE_LIMIT',
    option: 'clientRegistration.rateLimit',
    type: EnvTypes.rateLimit,
    default: '`30/1m`',
    description: 'Registrations accepted per client address and window, e.g. `100/1h`; `false` turns the limit off.',
  })
  dcrRateLimit?: { max: number; windowSeconds: number } | false;

  @EnvVariable({
    name: 'AUTHORIZE_RATE_LIMIT',
    option: 'authorizationRateLimit',
    type: EnvTypes.rateLimit,
    default: '`120/1m`',
    description:
      'Authorization requests accepted per client address and window (a 429 page beyond), e.g. `600/1h`; `false` turns the limit off.',
  })
  authorizeRateLimit?: { max: number; windowSeconds: number } | false;

  @EnvVariable({
    name: 'DCR_UNUSED_CLIENT_TTL_DAYS',
    option: 'clientRegistration.unusedClientTtlDays',
    type: EnvTypes.integer,
    default: '30',
    description: 'Days after which a registered client that was not used is deleted (it then registers again).',
  })
  dcrUnusedClientTtlDays?: number;

  @EnvVariable({
    name: 'DCR_ALLOWED_REDIRECT_URIS',
    option: 'clientRegistration.allowedRedirectUris',
    type: EnvTypes.list,
    default: 'any URI the redirect rules accept',
    description:
      'Allow-list of redirect URI patterns for registered clients, e.g. `https://claude.ai/api/mcp/auth_callback http://127.0.0.1/**` (`*` one label or segment, `**` any path, port `*` any port).',
  })
  dcrAllowedRedirectUris?: string[];

  @EnvVariable({
    name: 'DCR_ALLOW_LOCALHOST',
    option: 'clientRegistration.allowLocalhost',
    type: EnvTypes.boolean,
    default: 'true',
    description: 'Accept `http://localhost` redirect URIs besides `127.0.0.1` and `[::1]`.',
  })
  dcrAllowLocalhost?: boolean;

  @EnvVariable({
    name: 'DCR_CLIENT_SECRET_TTL_DAYS',
    option: 'clientRegistration.clientSecretTtlDays',
    type: EnvTypes.integer,
    default: '0 (never expire)',
    description: 'Lifetime of the client secrets issued to confidential clients, in days.',
  })
  dcrClientSecretTtlDays?: number;

  @EnvVariable({
    name: 'DCR_ALLOW_PRIVATE_KEY_JWT',
    option: 'clientRegistration.allowPrivateKeyJwt',
    type: EnvTypes.boolean,
    default: 'false',
    description: 'Accept clients that authenticate with `private_key_jwt` (with `jwks` or `jwks_uri`).',
  })
  dcrAllowPrivateKeyJwt?: boolean;

  @EnvVariable({
    name: 'CIMD',
    option: 'clientIdMetadataDocuments.enabled',
    type: EnvTypes.boolean,
    default: 'false',
    description:
      'Client ID metadata documents: accept `https` URLs as client ids and fetch them (public addresses only).',
  })
  cimd?: boolean;

  @EnvVariable({
    name: 'CIMD_ALLOW_DOMAINS',
    option: 'clientIdMetadataDocuments.allowDomains',
    type: EnvTypes.list,
    default: 'any public host',
    description: 'Only fetch client ids on these hosts (`app.example.com`, or `*.example.com` for subdomains).',
  })
  cimdAllowDomains?: string[];

  @EnvVariable({
    name: 'CIMD_DENY_DOMAINS',
    option: 'clientIdMetadataDocuments.denyDomains',
    type: EnvTypes.list,
    description: 'Never fetch client ids on these hosts (same syntax; checked first).',
  })
  cimdDenyDomains?: string[];

  @EnvVariable({
    name: 'CIMD_TIMEOUT',
    option: 'clientIdMetadataDocuments.timeoutMs',
    type: EnvTypes.milliseconds,
    default: '5s',
    description: 'Limit for fetching one document (DNS, connection, response).',
  })
  cimdTimeout?: number;

  @EnvVariable({
    name: 'CIMD_MAX_BYTES',
    option: 'clientIdMetadataDocuments.maxBytes',
    type: EnvTypes.integer,
    default: '5120',
    description: 'Largest document accepted, in bytes.',
  })
  cimdMaxBytes?: number;

  @EnvVariable({
    name: 'CIMD_CACHE_MIN',
    option: 'clientIdMetadataDocuments.cacheMinSeconds',
    type: EnvTypes.seconds,
    default: '1m',
    description: 'Shortest time a fetched document is cached, whatever its `Cache-Control` says.',
  })
  cimdCacheMin?: number;

  @EnvVariable({
    name: 'CIMD_CACHE_MAX',
    option: 'clientIdMetadataDocuments.cacheMaxSeconds',
    type: EnvTypes.seconds,
    default: '1h',
    description: 'Longest time a fetched document is cached.',
  })
  cimdCacheMax?: number;

  @EnvVariable({
    name: 'CIMD_MAX_CACHE_ENTRIES',
    option: 'clientIdMetadataDocuments.maxCacheEntries',
    type: EnvTypes.integer,
    default: '1000',
    description: 'Most documents kept in the cache of each instance.',
  })
  cimdMaxCacheEntries?: number;

  @EnvVariable({
    name: 'CLIENTS',
    option: 'clients',
    type: EnvTypes.json,
    secret: true,
    description:
      'Pre-registered clients as a JSON array, e.g. `[{"clientId":"claude","clientSecretHash":"…","redirectUris":["https://claude.ai/api/mcp/auth_callback"],"clientName":"Claude"}]` (fields as in `StaticClientOptions`; prefer `clientSecretHash`, base64url SHA-256 of the secret).',
  })
  clients?: unknown[];
}
