import { exportJWK, exportPKCS8, generateKeyPair, type JWK } from 'jose';
import { McpAuthConfigurationError } from '../core/errors/configuration.error.js';
import type { McpAuthModuleOptions } from '../core/options/module-options.js';
import { hashPassword } from '../server/password-hash.js';
import { loadMcpAuthOptionsFromEnvironment, type McpAuthEnvironmentContext } from './load-environment.js';
import { mergeMcpAuthOptions } from './merge-options.js';

type Env = Record<string, string>;

const RESOURCE = { MCP_AUTH_RESOURCE_URL: 'https://mcp.example.com/mcp' };
const GITHUB: Env = {
  ...RESOURCE,
  MCP_AUTH_PROVIDER: 'github',
  MCP_AUTH_GITHUB_CLIENT_ID: 'Ov23liExample',
  MCP_AUTH_GITHUB_CLIENT_SECRET: 'github-secret-value',
};
const SERVER: Env = { ...RESOURCE, MCP_AUTH_PROVIDER: 'server' };
const ENCRYPTION_KEY = `k1:${'A'.repeat(43)}`;

const load = (env: Env, context?: McpAuthEnvironmentContext) => loadMcpAuthOptionsFromEnvironment(env, context);
const code = (options: Record<string, unknown>) => ({ programmatic: options as Partial<McpAuthModuleOptions> });

function problemsOf(env: Env, context?: McpAuthEnvironmentContext): readonly string[] {
  try {
    load(env, context);
  } catch (error) {
    if (error instanceof McpAuthConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('expected the environment to be refused');
}

describe('loadMcpAuthOptionsFromEnvironment: levels 3 and 4', () => {
  let jwk: JWK;
  let pem: string;
  let pem2: string;

  beforeAll(async () => {
    const ec = await generateKeyPair('ES256', { extractable: true });
    jwk = { ...(await exportJWK(ec.privateKey)), kid: 'k-2026' };
    pem = await exportPKCS8((await generateKeyPair('ES256', { extractable: true })).privateKey);
    pem2 = await exportPKCS8((await generateKeyPair('ES256', { extractable: true })).privateKey);
  });

  describe('level-3 presets', () => {
    it.each([
      [
        'github',
        {
          MCP_AUTH_GITHUB_CLIENT_ID: 'id',
          MCP_AUTH_GITHUB_CLIENT_SECRET: 'secret',
          MCP_AUTH_GITHUB_BASE_URL: 'https://github.example.com',
          MCP_AUTH_GITHUB_API_BASE_URL: 'https://github.example.com/api/v3',
          MCP_AUTH_GITHUB_ALLOW_SIGNUP: 'false',
        },
        {
          provider: 'github',
          clientId: 'id',
          clientSecret: 'secret',
          baseUrl: 'https://github.example.com',
          apiBaseUrl: 'https://github.example.com/api/v3',
          allowSignup: false,
        },
      ],
      [
        'google',
        {
          MCP_AUTH_GOOGLE_CLIENT_ID: 'id.apps.googleusercontent.com',
          MCP_AUTH_GOOGLE_CLIENT_SECRET: 'secret',
          MCP_AUTH_GOOGLE_HOSTED_DOMAIN: 'example.com',
          MCP_AUTH_GOOGLE_TOKEN_ENDPOINT: 'https://google.test/token',
        },
        {
          provider: 'google',
          clientId: 'id.apps.googleusercontent.com',
          clientSecret: 'secret',
          hostedDomain: 'example.com',
          tokenEndpoint: 'https://google.test/token',
        },
      ],
      [
        'azure',
        {
          MCP_AUTH_AZURE_CLIENT_ID: '00000000-0000-0000-0000-000000000001',
          MCP_AUTH_AZURE_TENANT: 'organizations',
          MCP_AUTH_AZURE_DEFAULT_SCOPES: 'notes.read notes.write',
          MCP_AUTH_AZURE_ADDITIONAL_SCOPES: 'User.Read',
          MCP_AUTH_AZURE_ALLOWED_TENANTS: '11111111-1111-1111-1111-111111111111',
          MCP_AUTH_AZURE_IDENTIFIER_URI: 'api://notes',
        },
        {
          provider: 'azure',
          clientId: '00000000-0000-0000-0000-000000000001',
          tenant: 'organizations',
          defaultScopes: ['notes.read', 'notes.write'],
          additionalScopes: ['User.Read'],
          allowedTenants: ['11111111-1111-1111-1111-111111111111'],
          identifierUri: 'api://notes',
        },
      ],
      [
        'cognito',
        {
          MCP_AUTH_COGNITO_CLIENT_ID: 'app',
          MCP_AUTH_COGNITO_REGION: 'eu-central-1',
          MCP_AUTH_COGNITO_USER_POOL_ID: 'eu-central-1_AbC123',
          MCP_AUTH_COGNITO_DOMAIN: 'https://auth.example.com',
        },
        {
          provider: 'cognito',
          clientId: 'app',
          region: 'eu-central-1',
          userPoolId: 'eu-central-1_AbC123',
          domain: 'https://auth.example.com',
        },
      ],
      [
        'auth0-proxy',
        {
          MCP_AUTH_AUTH0_PROXY_CLIENT_ID: 'app',
          MCP_AUTH_AUTH0_PROXY_CLIENT_SECRET: 'secret',
          MCP_AUTH_AUTH0_PROXY_DOMAIN: 'https://tenant.eu.auth0.com',
          MCP_AUTH_AUTH0_PROXY_AUDIENCE: 'https://api.example.com',
        },
        {
          provider: 'auth0',
          clientId: 'app',
          clientSecret: 'secret',
          domain: 'https://tenant.eu.auth0.com',
          audience: 'https://api.example.com',
        },
      ],
      [
        'discord',
        {
          MCP_AUTH_DISCORD_CLIENT_ID: '123',
          MCP_AUTH_DISCORD_CLIENT_SECRET: 'secret',
          MCP_AUTH_DISCORD_DEFAULT_SCOPES: 'identify email',
        },
        { provider: 'discord', clientId: '123', clientSecret: 'secret', defaultScopes: ['identify', 'email'] },
      ],
      [
        'oidc',
        {
          MCP_AUTH_OIDC_ISSUER: 'https://kc.example.com/realms/mcp',
          MCP_AUTH_OIDC_CLIENT_ID: 'mcp-proxy',
          MCP_AUTH_OIDC_IDENTITY: 'id_token+userinfo',
          MCP_AUTH_OIDC_ALGORITHMS: 'RS256,ES256',
          MCP_AUTH_OIDC_CLOCK_TOLERANCE: '2m',
          MCP_AUTH_OIDC_AUTHORIZATION_RESPONSE_ISS: 'true',
          MCP_AUTH_OIDC_ACCESS_TOKEN_AUDIENCE: 'mcp',
          MCP_AUTH_OIDC_JWKS_URI: 'https://kc.example.com/certs?v=2',
        },
        {
          provider: 'oidc',
          issuer: 'https://kc.example.com/realms/mcp',
          clientId: 'mcp-proxy',
          identity: 'id_token+userinfo',
          algorithms: ['RS256', 'ES256'],
          clockToleranceSeconds: 120,
          authorizationResponseIss: true,
          accessTokenAudience: 'mcp',
          jwksUri: 'https://kc.example.com/certs?v=2',
        },
      ],
    ])('MCP_AUTH_PROVIDER=%s fills proxy.upstream', (provider, variables, upstream) => {
      expect(load({ ...RESOURCE, MCP_AUTH_PROVIDER: provider, ...variables })).toEqual({
        resourceUrl: RESOURCE.MCP_AUTH_RESOURCE_URL,
        proxy: { upstream },
      });
    });

    it('maps the upstream variables every preset shares', () => {
      expect(
        load({
          ...GITHUB,
          MCP_AUTH_GITHUB_TOKEN_ENDPOINT_AUTH_METHOD: 'client_secret_basic',
          MCP_AUTH_GITHUB_DEFAULT_SCOPES: 'read:user repo',
          MCP_AUTH_GITHUB_ADDITIONAL_SCOPES: 'gist',
          MCP_AUTH_GITHUB_EXTRA_AUTHORIZE_PARAMS: '{"login":"octocat"}',
          MCP_AUTH_GITHUB_EXTRA_TOKEN_PARAMS: '{"audience":"x"}',
          MCP_AUTH_GITHUB_FORWARD_RESOURCE: 'true',
          MCP_AUTH_GITHUB_TIMEOUT: '2500ms',
          MCP_AUTH_GITHUB_FALLBACK_EXPIRES_IN: '8h',
          MCP_AUTH_GITHUB_TOKEN_VALIDATION: '0',
        }).proxy?.upstream,
      ).toEqual({
        provider: 'github',
        clientId: 'Ov23liExample',
        clientSecret: 'github-secret-value',
        tokenEndpointAuthMethod: 'client_secret_basic',
        defaultScopes: ['read:user', 'repo'],
        additionalScopes: ['gist'],
        extraAuthorizeParams: { login: 'octocat' },
        extraTokenParams: { audience: 'x' },
        forwardResource: true,
        timeoutMs: 2500,
        fallbackExpiresInSeconds: 28_800,
        tokenValidationSeconds: 0,
      });
    });
  });

  describe('the authorization server variables (levels 3 and 4)', () => {
    const shared = (): Env => ({
      MCP_AUTH_ISSUER_URL: 'https://auth.example.com',
      MCP_AUTH_OAUTH_BASE_URL: 'https://auth.example.com/oauth',
      MCP_AUTH_OAUTH_PATHS: '{"authorize":"/authorize2","callback":"/github/callback"}',
      MCP_AUTH_OAUTH_SCOPES: 'read:user repo',
      MCP_AUTH_ACCESS_TOKEN_TTL: '15m',
      MCP_AUTH_REFRESH_TOKEN_TTL: '7d',
      MCP_AUTH_REFRESH_GRACE: '5s',
      MCP_AUTH_AUTHORIZATION_CODE_TTL: '30s',
      MCP_AUTH_TRANSACTION_TTL: '5m',
      MCP_AUTH_REMEMBER_CONSENT_DAYS: '30',
      MCP_AUTH_SIGNING_KEYS: JSON.stringify({ keys: [jwk] }),
      MCP_AUTH_DCR: 'true',
      MCP_AUTH_DCR_RATE_LIMIT: '100/1h',
      MCP_AUTH_DCR_UNUSED_CLIENT_TTL_DAYS: '60',
      MCP_AUTH_DCR_ALLOWED_REDIRECT_URIS: 'https://claude.ai/api/mcp/auth_callback http://127.0.0.1/**',
      MCP_AUTH_DCR_ALLOW_LOCALHOST: 'false',
      MCP_AUTH_DCR_CLIENT_SECRET_TTL_DAYS: '90',
      MCP_AUTH_DCR_ALLOW_PRIVATE_KEY_JWT: '1',
      MCP_AUTH_CIMD: 'true',
      MCP_AUTH_CIMD_ALLOW_DOMAINS: '*.example.com',
      MCP_AUTH_CIMD_DENY_DOMAINS: 'bad.example.com',
      MCP_AUTH_CIMD_TIMEOUT: '3s',
      MCP_AUTH_CIMD_MAX_BYTES: '4096',
      MCP_AUTH_CIMD_CACHE_MIN: '2m',
      MCP_AUTH_CIMD_CACHE_MAX: '2h',
      MCP_AUTH_CIMD_MAX_CACHE_ENTRIES: '50',
      MCP_AUTH_CLIENTS: JSON.stringify([
        { clientId: 'claude', clientSecretHash: 'h'.repeat(43), redirectUris: ['https://claude.ai/cb'] },
      ]),
    });
    const expected = () => ({
      issuerUrl: 'https://auth.example.com',
      baseUrl: 'https://auth.example.com/oauth',
      paths: { authorize: '/authorize2', callback: '/github/callback' },
      scopes: ['read:user', 'repo'],
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 604_800,
      refreshGraceSeconds: 5,
      authorizationCodeTtlSeconds: 30,
      transactionTtlSeconds: 300,
      rememberConsentDays: 30,
      signingKeys: [{ privateKey: jwk }],
      clientRegistration: {
        enabled: true,
        rateLimit: { max: 100, windowSeconds: 3600 },
        unusedClientTtlDays: 60,
        allowedRedirectUris: ['https://claude.ai/api/mcp/auth_callback', 'http://127.0.0.1/**'],
        allowLocalhost: false,
        clientSecretTtlDays: 90,
        allowPrivateKeyJwt: true,
      },
      clientIdMetadataDocuments: {
        enabled: true,
        allowDomains: ['*.example.com'],
        denyDomains: ['bad.example.com'],
        timeoutMs: 3000,
        maxBytes: 4096,
        cacheMinSeconds: 120,
        cacheMaxSeconds: 7200,
        maxCacheEntries: 50,
      },
      clients: [{ clientId: 'claude', clientSecretHash: 'h'.repeat(43), redirectUris: ['https://claude.ai/cb'] }],
    });

    it('fill the proxy section under the names every level-3 provider shares', () => {
      expect(load({ ...GITHUB, ...shared() }).proxy).toEqual({
        upstream: { provider: 'github', clientId: 'Ov23liExample', clientSecret: 'github-secret-value' },
        ...expected(),
      });
    });

    it('fill the server section for MCP_AUTH_PROVIDER=server', () => {
      const { paths: _paths, ...rest } = expected();
      const env = { ...SERVER, ...shared(), MCP_AUTH_OAUTH_PATHS: '{"login":"/sign-in"}' };
      expect(load(env).server).toEqual({ ...rest, paths: { login: '/sign-in' } });
    });

    it('are ignored by providers of levels 1 and 2, like any variable of another provider', () => {
      const env = {
        ...RESOURCE,
        MCP_AUTH_PROVIDER: 'jwt',
        MCP_AUTH_JWT_ISSUER: 'https://a.example',
        MCP_AUTH_JWT_JWKS_URI: 'https://a.example/jwks',
      };
      expect(load({ ...env, MCP_AUTH_SIGNING_KEYS: pem, MCP_AUTH_DCR: 'false' })).toEqual(load(env));
    });

    it('read PEM signing keys, several for rotation', () => {
      const escaped = (...pems: string[]) =>
        pems
          .map((p) => p.trim())
          .join('\n')
          .replace(/\n/g, '\\n');
      expect(load({ ...GITHUB, MCP_AUTH_SIGNING_KEYS: escaped(pem, pem2) }).proxy?.signingKeys).toEqual([
        { privateKey: pem.trim() },
        { privateKey: pem2.trim() },
      ]);
      // The same key twice without kids would share a thumbprint: reported by variable and index.
      expect(problemsOf({ ...GITHUB, MCP_AUTH_SIGNING_KEYS: escaped(pem, pem) })).toEqual([
        'MCP_AUTH_SIGNING_KEYS[1].privateKey: is the same key as MCP_AUTH_SIGNING_KEYS[0], so both would get the same kid (its thumbprint); list it once or give each a kid',
      ]);
    });

    it('read a rotation schedule from a JSON list of signing-key options', () => {
      const schedule = [
        { privateKey: jwk, retireAt: 1_796_000_000 },
        { privateKey: pem, kid: 'next', activateAt: 1_796_000_000 },
      ];
      expect(load({ ...GITHUB, MCP_AUTH_SIGNING_KEYS: JSON.stringify(schedule) }).proxy?.signingKeys).toEqual(schedule);
      const wrong = [
        { privateKey: pem, activateAt: 1_796_000_000, retireAt: 1_795_000_000 },
        { privateKey: pem2, kid: 1 },
      ];
      expect(problemsOf({ ...GITHUB, MCP_AUTH_SIGNING_KEYS: JSON.stringify(wrong) })).toEqual([
        'MCP_AUTH_SIGNING_KEYS[0].retireAt: must be after activateAt',
        'MCP_AUTH_SIGNING_KEYS[1].kid: must be 1-128 printable ASCII characters without spaces',
        'MCP_AUTH_SIGNING_KEYS[1].kid: must be a string',
      ]);
    });

    it('read MCP_AUTH_AUTHORIZE_RATE_LIMIT into authorizationRateLimit, or false', () => {
      expect(load({ ...GITHUB, MCP_AUTH_AUTHORIZE_RATE_LIMIT: '600/1h' }).proxy?.authorizationRateLimit).toEqual({
        max: 600,
        windowSeconds: 3600,
      });
      expect(load({ ...GITHUB, MCP_AUTH_AUTHORIZE_RATE_LIMIT: 'false' }).proxy?.authorizationRateLimit).toBe(false);
    });

    it('turn MCP_AUTH_DCR_RATE_LIMIT=false into rateLimit: false', () => {
      expect(load({ ...GITHUB, MCP_AUTH_DCR_RATE_LIMIT: 'false' }).proxy?.clientRegistration).toEqual({
        rateLimit: false,
      });
    });
  });

  describe('level 4', () => {
    it('needs no variable of its own', () => {
      expect(load(SERVER, { requireComplete: true })).toEqual({
        resourceUrl: RESOURCE.MCP_AUTH_RESOURCE_URL,
        server: {},
      });
    });

    it('maps users and the sign-in settings', async () => {
      const hash = await hashPassword('wonderland', { N: 2 ** 10 });
      const users = [{ username: 'alice', password: hash, scopes: ['notes:read'], claims: { email: 'a@example.com' } }];
      expect(
        load({
          ...SERVER,
          MCP_AUTH_SERVER_USERS: JSON.stringify(users),
          MCP_AUTH_SERVER_MAX_LOGIN_FAILURES: '3',
          MCP_AUTH_SERVER_LOGIN_FAILURE_WINDOW: '30m',
          MCP_AUTH_SERVER_SESSION_TTL: '8h',
          MCP_AUTH_SERVER_CLIENT_CREDENTIALS: 'false',
          MCP_AUTH_SERVER_DCR_ALLOW_CLIENT_CREDENTIALS: 'true',
          MCP_AUTH_DCR_ALLOW_LOCALHOST: 'false',
        }).server,
      ).toEqual({
        users,
        maxLoginFailures: 3,
        loginFailureWindowSeconds: 1800,
        sessionTtlSeconds: 28_800,
        clientCredentials: false,
        clientRegistration: { allowClientCredentials: true, allowLocalhost: false },
      });
    });

    it.each([
      ['true', {}],
      ['1', {}],
      ['/ops/mcp-auth', { path: '/ops/mcp-auth' }],
    ])('MCP_AUTH_SERVER_ADMIN_ROUTES=%s serves the admin routes', (value, adminRoutes) => {
      expect(load({ ...SERVER, MCP_AUTH_SERVER_ADMIN_ROUTES: value }).server).toEqual({ adminRoutes });
      expect(
        load({ ...SERVER, MCP_AUTH_SERVER_ADMIN_ROUTES: value, MCP_AUTH_SERVER_ADMIN_SCOPE: 'ops' }).server,
      ).toEqual({ adminRoutes: { ...adminRoutes, scope: 'ops' } });
    });

    it('leaves the admin routes off with false, and refuses an admin scope without them', () => {
      expect(load({ ...SERVER, MCP_AUTH_SERVER_ADMIN_ROUTES: 'false' }).server).toEqual({});
      expect(problemsOf({ ...SERVER, MCP_AUTH_SERVER_ADMIN_SCOPE: 'ops' })).toEqual([
        'MCP_AUTH_SERVER_ADMIN_SCOPE: only used with MCP_AUTH_SERVER_ADMIN_ROUTES',
      ]);
      expect(
        problemsOf({ ...SERVER, MCP_AUTH_SERVER_ADMIN_ROUTES: 'false', MCP_AUTH_SERVER_ADMIN_SCOPE: 'ops' }),
      ).toEqual(['MCP_AUTH_SERVER_ADMIN_SCOPE: only used with MCP_AUTH_SERVER_ADMIN_ROUTES']);
      // Admin routes turned on in code: the scope may come from the environment.
      expect(
        load({ ...SERVER, MCP_AUTH_SERVER_ADMIN_SCOPE: 'ops' }, code({ server: { adminRoutes: { path: '/admin' } } }))
          .server,
      ).toEqual({ adminRoutes: { scope: 'ops' } });
    });
  });

  describe('problems, by variable name', () => {
    it('names the missing variables of the selected preset', () => {
      expect(problemsOf({ ...RESOURCE, MCP_AUTH_PROVIDER: 'github' })).toEqual([
        'MCP_AUTH_GITHUB_CLIENT_ID: required',
        'MCP_AUTH_GITHUB_CLIENT_SECRET: required',
      ]);
      expect(problemsOf({ ...RESOURCE, MCP_AUTH_PROVIDER: 'azure' })).toEqual([
        'MCP_AUTH_AZURE_TENANT: required',
        'MCP_AUTH_AZURE_CLIENT_ID: required',
        'MCP_AUTH_AZURE_DEFAULT_SCOPES: required',
      ]);
      expect(problemsOf({ ...RESOURCE, MCP_AUTH_PROVIDER: 'oidc' })).toEqual([
        'MCP_AUTH_OIDC_ISSUER: required',
        'MCP_AUTH_OIDC_CLIENT_ID: required',
      ]);
      expect(problemsOf({ ...RESOURCE, MCP_AUTH_PROVIDER: 'cognito', MCP_AUTH_COGNITO_CLIENT_ID: 'x' })).toEqual([
        'MCP_AUTH_COGNITO_REGION: required',
        'MCP_AUTH_COGNITO_USER_POOL_ID: required',
      ]);
    });

    it('reports what the preset and authorization-server validation find, in variable names', () => {
      expect(
        problemsOf({
          ...RESOURCE,
          MCP_AUTH_PROVIDER: 'azure',
          MCP_AUTH_AZURE_CLIENT_ID: 'app',
          MCP_AUTH_AZURE_TENANT: 'contoso',
          MCP_AUTH_AZURE_DEFAULT_SCOPES: 'notes.read',
          MCP_AUTH_AZURE_FORWARD_RESOURCE: 'true',
          MCP_AUTH_AZURE_TOKEN_ENDPOINT_AUTH_METHOD: 'client_secret_post',
          MCP_AUTH_AZURE_EXTRA_AUTHORIZE_PARAMS: '{"redirect_uri":"https://evil.example"}',
          MCP_AUTH_ISSUER_URL: 'https://auth.example.com/#x',
          MCP_AUTH_ACCESS_TOKEN_TTL: '2d',
          MCP_AUTH_REFRESH_GRACE: '5m',
          MCP_AUTH_OAUTH_PATHS: '{"authorise":"/a","token":"token"}',
          MCP_AUTH_DCR_RATE_LIMIT: '0/1m',
          MCP_AUTH_CIMD_MAX_BYTES: '10',
          MCP_AUTH_CLIENTS: '[{"clientId":"c","clientSecret":"short","redirectUris":["https://c.example/cb"]}]',
          MCP_AUTH_SIGNING_KEYS: '{"kty":"oct","k":"c2VjcmV0"}',
        }),
      ).toEqual([
        'MCP_AUTH_ISSUER_URL: must be an absolute http(s) URL without userinfo or fragment or query',
        'MCP_AUTH_ACCESS_TOKEN_TTL: must not be greater than 86400 (seconds)',
        'MCP_AUTH_REFRESH_GRACE: must not be greater than 120 (seconds)',
        'MCP_AUTH_OAUTH_PATHS.authorise: unknown option',
        'MCP_AUTH_OAUTH_PATHS.token: must match /^\\/[A-Za-z0-9\\-._~/]*$/ regular expression',
        'MCP_AUTH_SIGNING_KEYS[0].privateKey: must be an asymmetric private key; symmetric (oct) keys never sign access tokens (no HS*, security catalog AS-01)',
        'MCP_AUTH_DCR_RATE_LIMIT.max: must not be less than 1',
        'MCP_AUTH_CIMD_MAX_BYTES: must not be less than 256',
        'MCP_AUTH_CLIENTS[0].clientSecret: must be at least 32 characters (a random secret)',
        'MCP_AUTH_AZURE_TENANT: must be a tenant GUID, organizations, common or consumers',
        'MCP_AUTH_AZURE_EXTRA_AUTHORIZE_PARAMS: must be an object of string values and must not set response_type, client_id, client_secret, redirect_uri, scope, state, code_challenge, code_challenge_method, nonce, resource, grant_type, code, code_verifier, refresh_token, client_assertion, client_assertion_type, request, request_uri',
        'MCP_AUTH_AZURE_TOKEN_ENDPOINT_AUTH_METHOD: client_secret_post needs a MCP_AUTH_AZURE_CLIENT_SECRET',
        'MCP_AUTH_AZURE_FORWARD_RESOURCE: Entra v2 endpoints refuse the resource parameter; it is always stripped',
      ]);
    });

    it('locates problems inside JSON users and never prints their passwords', () => {
      const problems = problemsOf({
        ...SERVER,
        MCP_AUTH_SERVER_USERS:
          '[{"username":"alice","password":"hunter2-secret","scopes":"notes:read"},{"username":"bob"}]',
      });
      expect(problems).toEqual([
        'MCP_AUTH_SERVER_USERS[0].scopes: must be an array of scope tokens (printable ASCII without space, " or \\)',
        'MCP_AUTH_SERVER_USERS[1].password: must be a string',
      ]);
      expect(problems.join('\n')).not.toContain('hunter2');
    });

    it('never prints a secret value', () => {
      const secret = 'github-secret-do-not-print';
      const problems = problemsOf({
        ...GITHUB,
        MCP_AUTH_GITHUB_CLIENT_SECRET: secret,
        MCP_AUTH_GITHUB_TIMEOUT: '1 minute',
        MCP_AUTH_SIGNING_KEYS: `-----BEGIN PRIVATE KEY-----\n${secret}`,
      });
      expect(problems).toEqual([
        'MCP_AUTH_GITHUB_TIMEOUT: must be a duration such as 30s, 5m, 1h or a number of seconds (got "1 minute")',
        'MCP_AUTH_SIGNING_KEYS: must be a PKCS#8 PEM, a private JWK, a JWK Set or a JSON array of JWKs or {"privateKey": …} objects',
      ]);
      expect(problems.join('\n')).not.toContain(secret);
    });
  });

  describe('production', () => {
    const PRODUCTION = { MCP_AUTH_PRODUCTION: 'true' };

    it('AS-02, F-21: requires signing keys and storage encryption keys for the proxy, by variable name', () => {
      expect(problemsOf({ ...GITHUB, ...PRODUCTION })).toEqual([
        'MCP_AUTH_SIGNING_KEYS: required in production with MCP_AUTH_PROVIDER=github: at least one private key (PKCS#8 PEM or JWK, e.g. from "npx nestjs-mcp-auth keys generate"); an ephemeral key would invalidate every token on restart and differ between instances',
        'MCP_AUTH_STORAGE_ENCRYPTION_KEYS: required in production with MCP_AUTH_PROVIDER=github: the proxy stores upstream tokens encrypted',
      ]);
      expect(
        load({
          ...GITHUB,
          ...PRODUCTION,
          MCP_AUTH_SIGNING_KEYS: pem,
          MCP_AUTH_STORAGE_ENCRYPTION_KEYS: ENCRYPTION_KEY,
        }),
      ).toHaveProperty('proxy');
    });

    it('reads production mode from NODE_ENV, and not outside production', () => {
      expect(load(GITHUB)).toHaveProperty('proxy');
      expect(problemsOf({ ...GITHUB, NODE_ENV: 'production' })).toHaveLength(2);
      expect(load({ ...GITHUB, NODE_ENV: 'production', MCP_AUTH_PRODUCTION: 'false' })).toHaveProperty('proxy');
    });

    it('requires hashed passwords for level-4 users, and no storage encryption keys', async () => {
      const hash = await hashPassword('pw', { N: 2 ** 10 });
      const env = { ...SERVER, ...PRODUCTION, MCP_AUTH_SIGNING_KEYS: JSON.stringify(jwk) };
      const users = [
        { username: 'alice', password: hash },
        { username: 'bob', password: 'plain-text-pw' },
      ];
      expect(problemsOf({ ...env, MCP_AUTH_SERVER_USERS: JSON.stringify(users) })).toEqual([
        'MCP_AUTH_SERVER_USERS[1].password: must be a hashPassword() string in production (the password of "bob" is plain text)',
      ]);
      expect(load({ ...env, MCP_AUTH_SERVER_USERS: JSON.stringify(users.slice(0, 1)) }).server?.users).toHaveLength(1);
    });

    it('catches a password hash cut short by variable expansion, in development too', async () => {
      const hash = await hashPassword('pw', { N: 2 ** 10 });
      const expanded = hash.split('$').slice(0, 4).join('$'); // what `$salt$key` expands to: nothing
      const users = JSON.stringify([{ username: 'alice', password: expanded }]);
      const problem =
        'MCP_AUTH_SERVER_USERS[0].password: the hashPassword() string of "alice" is malformed (was it cut at a "$" by variable expansion? Quote it, or write $$ where the tool expands)';
      expect(problemsOf({ ...SERVER, MCP_AUTH_SERVER_USERS: users })).toEqual([problem]);
      expect(
        problemsOf({ ...SERVER, MCP_AUTH_SERVER_USERS: users, ...PRODUCTION, MCP_AUTH_SIGNING_KEYS: pem }),
      ).toEqual([problem]);
      // A plain password is fine outside production (hashed at start-up, with a warning).
      expect(load({ ...SERVER, MCP_AUTH_SERVER_USERS: '[{"username":"a","password":"pw"}]' })).toHaveProperty(
        'server.users',
      );
    });

    it('leaves what code sets to the module: keys and encryption given in code, users with an authenticator', () => {
      const keys = { signingKeys: [{ privateKey: jwk }] };
      expect(
        load(
          { ...GITHUB, ...PRODUCTION },
          code({ proxy: keys, storageEncryption: { keys: [{ id: 'k1', key: 'A'.repeat(43) }] } }),
        ),
      ).toHaveProperty('proxy.upstream.clientId');
      class Authenticator {
        authenticate = () => Promise.resolve(undefined);
      }
      const plain = JSON.stringify([{ username: 'bob', password: 'plain' }]);
      expect(
        load(
          { ...SERVER, ...PRODUCTION, MCP_AUTH_SERVER_USERS: plain },
          code({ server: { ...keys, authenticator: Authenticator } }),
        ),
      ).toHaveProperty('server.users');
    });

    it('TR-05: refuses a plain-http issuer or endpoint base outside loopback', () => {
      const env = { ...SERVER, ...PRODUCTION, MCP_AUTH_SIGNING_KEYS: pem };
      expect(
        problemsOf({
          ...env,
          MCP_AUTH_ISSUER_URL: 'http://auth.example.com',
          MCP_AUTH_OAUTH_BASE_URL: 'http://a.example',
        }),
      ).toEqual([
        'MCP_AUTH_ISSUER_URL: must use https in production (got http://auth.example.com)',
        'MCP_AUTH_OAUTH_BASE_URL: must use https in production (got http://a.example)',
      ]);
      expect(load({ ...env, MCP_AUTH_ISSUER_URL: 'http://127.0.0.1:3000' })).toHaveProperty('server.issuerUrl');
    });

    it('does not report a malformed key twice', () => {
      expect(
        problemsOf({
          ...GITHUB,
          ...PRODUCTION,
          MCP_AUTH_SIGNING_KEYS: 'nope',
          MCP_AUTH_STORAGE_ENCRYPTION_KEYS: ENCRYPTION_KEY,
        }),
      ).toEqual([
        'MCP_AUTH_SIGNING_KEYS: must be a PKCS#8 PEM, a private JWK, a JWK Set or a JSON array of JWKs or {"privateKey": …} objects',
      ]);
    });
  });

  describe('with options given in code', () => {
    it('does not require the variables of options set in code, and merges field by field', () => {
      const programmatic = {
        proxy: { upstream: { provider: 'github', clientId: 'from-code' }, accessTokenTtlSeconds: 120 },
      };
      const env = {
        ...RESOURCE,
        MCP_AUTH_PROVIDER: 'github',
        MCP_AUTH_GITHUB_CLIENT_ID: 'from-env',
        MCP_AUTH_GITHUB_CLIENT_SECRET: 'secret',
        MCP_AUTH_ACCESS_TOKEN_TTL: '1h',
        MCP_AUTH_REFRESH_TOKEN_TTL: '1d',
      };
      const fromEnvironment = load(env, code(programmatic));
      expect(mergeMcpAuthOptions(programmatic as Partial<McpAuthModuleOptions>, fromEnvironment).proxy).toEqual({
        upstream: { provider: 'github', clientId: 'from-code', clientSecret: 'secret' },
        accessTokenTtlSeconds: 120,
        refreshTokenTtlSeconds: 86_400,
      });
      const { MCP_AUTH_GITHUB_CLIENT_ID: _unused, ...withoutId } = env;
      expect(load(withoutId, code(programmatic))).toHaveProperty('proxy.upstream.clientSecret', 'secret');
    });

    it('ignores the preset when code chooses another preset or level', () => {
      const env = { ...GITHUB, MCP_AUTH_SIGNING_KEYS: pem };
      expect(load(env, code({ proxy: { upstream: { provider: 'google', clientId: 'g' } } }))).toEqual({
        resourceUrl: RESOURCE.MCP_AUTH_RESOURCE_URL,
      });
      expect(load(env, code({ server: {} }))).not.toHaveProperty('proxy');
      const github = { provider: 'github', clientId: 'c', clientSecret: 's' };
      expect(load({ ...SERVER }, code({ proxy: { upstream: github } }))).not.toHaveProperty('server');
    });

    it('keeps the users of code whole', () => {
      const users = [{ username: 'code', password: 'x' }];
      const fromEnvironment = load(
        { ...SERVER, MCP_AUTH_SERVER_USERS: '[{"username":"env","password":"y"}]', MCP_AUTH_SERVER_SESSION_TTL: '2h' },
        code({ server: { users } }),
      );
      expect(mergeMcpAuthOptions({ server: { users } }, fromEnvironment).server).toEqual({
        users,
        sessionTtlSeconds: 7200,
      });
    });
  });
});
