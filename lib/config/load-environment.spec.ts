import { McpAuthConfigurationError } from '../core/errors/configuration.error.js';
import type { McpAuthModuleOptions } from '../core/options/module-options.js';
import type { EnvVariableDefinition } from './env-schema.decorator.js';
import { EnvTypes } from './env-value-types.js';
import {
  commonEnvironmentSchemas,
  environmentVariableNames,
  levelSections,
  providerEnvironmentSchemas,
} from './environment-registry.js';
import { loadMcpAuthOptionsFromEnvironment, type McpAuthEnvironmentContext } from './load-environment.js';

type Env = Record<string, string>;

const RESOURCE = { MCP_AUTH_RESOURCE_URL: 'https://mcp.example.com/mcp' };
const JWT: Env = {
  ...RESOURCE,
  MCP_AUTH_PROVIDER: 'jwt',
  MCP_AUTH_JWT_ISSUER: 'https://auth.example.com',
  MCP_AUTH_JWT_JWKS_URI: 'https://auth.example.com/jwks',
};
const KEY = 'A'.repeat(43);

const load = (env: Env, context?: McpAuthEnvironmentContext) => loadMcpAuthOptionsFromEnvironment(env, context);

function problemsOf(env: Env, context?: McpAuthEnvironmentContext): readonly string[] {
  try {
    load(env, context);
  } catch (error) {
    if (error instanceof McpAuthConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('expected the environment to be refused');
}

describe('loadMcpAuthOptionsFromEnvironment', () => {
  describe('providers', () => {
    it('reads nothing from an empty environment', () => {
      expect(load({})).toEqual({});
    });

    it('treats blank values as unset', () => {
      expect(load({ MCP_AUTH_PROVIDER: '  ', MCP_AUTH_RESOURCE_URL: '' })).toEqual({});
    });

    it('maps jwt variables, converting lists, durations, booleans and keys', () => {
      const jwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' };
      expect(
        load({
          ...RESOURCE,
          MCP_AUTH_PROVIDER: 'jwt',
          MCP_AUTH_JWT_ISSUER: 'https://a.example, https://b.example',
          MCP_AUTH_JWT_PUBLIC_KEYS: JSON.stringify({ keys: [jwk] }),
          MCP_AUTH_JWT_ALGORITHMS: 'ES256 RS256',
          MCP_AUTH_JWT_AUDIENCE: 'https://mcp.example.com/mcp',
          MCP_AUTH_JWT_CLOCK_TOLERANCE: '1m',
          MCP_AUTH_JWT_MAX_TOKEN_AGE: '1h',
          MCP_AUTH_JWT_REQUIRED_TYPE: 'at+jwt',
          MCP_AUTH_JWT_JWKS_TIMEOUT: '2s',
          MCP_AUTH_JWT_JWKS_COOLDOWN: '45',
          MCP_AUTH_JWT_CACHE_MAX_ENTRIES: '500',
          MCP_AUTH_JWT_CACHE_TTL: '30s',
        }),
      ).toEqual({
        resourceUrl: 'https://mcp.example.com/mcp',
        verifier: {
          type: 'jwt',
          issuer: ['https://a.example', 'https://b.example'],
          publicKeys: [jwk],
          algorithms: ['ES256', 'RS256'],
          audience: 'https://mcp.example.com/mcp',
          clockToleranceSeconds: 60,
          maxTokenAgeSeconds: 3600,
          requiredType: 'at+jwt',
          jwks: { timeoutMs: 2000, cooldownMs: 45_000 },
          cache: { maxEntries: 500, ttlSeconds: 30 },
        },
      });
    });

    it('turns MCP_AUTH_JWT_CACHE=false into cache: false and ignores true', () => {
      expect(load({ ...JWT, MCP_AUTH_JWT_CACHE: 'false' }).verifier).toMatchObject({ cache: false });
      expect(load({ ...JWT, MCP_AUTH_JWT_CACHE: 'true' }).verifier).not.toHaveProperty('cache');
    });

    it('maps introspection variables, with audience false', () => {
      expect(
        load({
          ...RESOURCE,
          MCP_AUTH_PROVIDER: 'introspection',
          MCP_AUTH_INTROSPECTION_URL: 'https://auth.example.com/introspect',
          MCP_AUTH_INTROSPECTION_CLIENT_ID: 'rs',
          MCP_AUTH_INTROSPECTION_CLIENT_SECRET: 'secret',
          MCP_AUTH_INTROSPECTION_CLIENT_AUTH_METHOD: 'client_secret_post',
          MCP_AUTH_INTROSPECTION_TIMEOUT: '750ms',
          MCP_AUTH_INTROSPECTION_AUDIENCE: 'false',
        }).verifier,
      ).toEqual({
        type: 'introspection',
        introspectionUrl: 'https://auth.example.com/introspect',
        clientId: 'rs',
        clientSecret: 'secret',
        clientAuthMethod: 'client_secret_post',
        timeoutMs: 750,
        audience: false,
      });
    });

    it('maps static development tokens from JSON', () => {
      const tokens = { 'dev-token-0123456789': { sub: 'alice', scopes: ['notes:read'] } };
      expect(
        load({ ...RESOURCE, MCP_AUTH_PROVIDER: 'static', MCP_AUTH_STATIC_TOKENS: JSON.stringify(tokens) }).verifier,
      ).toEqual({ type: 'static', tokens });
    });

    it.each([
      [
        'authkit',
        { MCP_AUTH_AUTHKIT_DOMAIN: 'https://x.authkit.app' },
        { provider: 'authkit', domain: 'https://x.authkit.app' },
      ],
      [
        'descope',
        { MCP_AUTH_DESCOPE_PROJECT_ID: 'P1', MCP_AUTH_DESCOPE_ISSUER: 'https://api.descope.com/v1/apps/agentic/P1/M1' },
        { provider: 'descope', projectId: 'P1', issuer: 'https://api.descope.com/v1/apps/agentic/P1/M1' },
      ],
      [
        'scalekit',
        { MCP_AUTH_SCALEKIT_ENVIRONMENT_URL: 'https://e.scalekit.com', MCP_AUTH_SCALEKIT_RESOURCE_ID: 'res_1' },
        { provider: 'scalekit', environmentUrl: 'https://e.scalekit.com', resourceId: 'res_1' },
      ],
      [
        'supabase',
        { MCP_AUTH_SUPABASE_PROJECT_URL: 'https://p.supabase.co', MCP_AUTH_SUPABASE_AUTH_ROUTE: '/auth/v2' },
        { provider: 'supabase', projectUrl: 'https://p.supabase.co', authRoute: '/auth/v2' },
      ],
      ['auth0', { MCP_AUTH_AUTH0_DOMAIN: 'https://t.auth0.com' }, { provider: 'auth0', domain: 'https://t.auth0.com' }],
      [
        'keycloak',
        { MCP_AUTH_KEYCLOAK_REALM_URL: 'https://kc.example.com/realms/mcp', MCP_AUTH_KEYCLOAK_MIRROR_METADATA: '1' },
        { provider: 'keycloak', realmUrl: 'https://kc.example.com/realms/mcp', mirrorMetadata: true },
      ],
      [
        'remote',
        {
          MCP_AUTH_REMOTE_ISSUER: 'https://auth.example.com/',
          MCP_AUTH_REMOTE_INTROSPECTION_URL: 'https://auth.example.com/introspect',
          MCP_AUTH_REMOTE_INTROSPECTION_CLIENT_ID: 'rs',
          MCP_AUTH_REMOTE_INTROSPECTION_CLIENT_SECRET: 'secret',
          MCP_AUTH_REMOTE_METADATA_TIMEOUT: '3s',
          MCP_AUTH_REMOTE_METADATA_CACHE: '10m',
        },
        {
          provider: 'generic',
          issuer: 'https://auth.example.com/',
          introspection: {
            introspectionUrl: 'https://auth.example.com/introspect',
            clientId: 'rs',
            clientSecret: 'secret',
          },
          metadataTimeoutMs: 3000,
          metadataCacheSeconds: 600,
        },
      ],
    ])('maps the %s preset to remote options', (provider, variables, remote) => {
      expect(load({ ...RESOURCE, MCP_AUTH_PROVIDER: provider, ...variables })).toEqual({
        resourceUrl: RESOURCE.MCP_AUTH_RESOURCE_URL,
        remote,
      });
    });

    it('ignores the variables of providers that are not selected', () => {
      expect(load({ ...JWT, MCP_AUTH_AUTHKIT_DOMAIN: 'https://x.authkit.app' })).not.toHaveProperty('remote');
    });
  });

  describe('shared variables', () => {
    it('maps the resource server variables', () => {
      expect(
        load({
          ...RESOURCE,
          MCP_AUTH_AUTHORIZATION_SERVERS: 'https://auth.example.com/',
          MCP_AUTH_SCOPES_SUPPORTED: 'notes:read,notes:write',
          MCP_AUTH_REQUIRED_SCOPES: 'notes:read',
          MCP_AUTH_IMPLIED_SCOPES: '{"notes:admin":["notes:read"]}',
          MCP_AUTH_RESOURCE_NAME: 'Notes',
          MCP_AUTH_RESOURCE_DOCUMENTATION: 'https://docs.example.com/?p=1',
          MCP_AUTH_PRODUCTION: 'true',
          MCP_AUTH_ALLOWED_HOSTS: 'mcp.example.com internal',
          MCP_AUTH_ALLOWED_ORIGINS: '*',
        }),
      ).toEqual({
        resourceUrl: 'https://mcp.example.com/mcp',
        authorizationServers: ['https://auth.example.com/'],
        scopesSupported: ['notes:read', 'notes:write'],
        requiredScopes: ['notes:read'],
        impliedScopes: { 'notes:admin': ['notes:read'] },
        resourceName: 'Notes',
        resourceDocumentation: 'https://docs.example.com/?p=1',
        production: true,
        mcp: { allowedHosts: ['mcp.example.com', 'internal'], allowedOrigins: '*' },
      });
    });

    it('reads MCP_AUTH_ALLOWED_HOSTS=false as false', () => {
      expect(load({ MCP_AUTH_ALLOWED_HOSTS: 'false' })).toEqual({ mcp: { allowedHosts: false } });
    });

    it.each([
      ['https://mcp.example.com', undefined, 'https://mcp.example.com/mcp'],
      ['https://mcp.example.com/', undefined, 'https://mcp.example.com/mcp'],
      ['https://example.com/api/', '/tools/mcp', 'https://example.com/api/tools/mcp'],
      ['https://example.com/api', false, 'https://example.com/api'],
    ] as const)('joins MCP_AUTH_BASE_URL %s with the endpoint %s', (base, mcpEndpoint, resourceUrl) => {
      expect(load({ MCP_AUTH_BASE_URL: base }, { mcpEndpoint })).toEqual({ resourceUrl });
    });

    it('infers the storage type from the variables set', () => {
      expect(load({ MCP_AUTH_REDIS_URL: 'redis://127.0.0.1:6379', MCP_AUTH_REDIS_COMMAND_TIMEOUT: '2s' })).toEqual({
        storage: { type: 'redis', url: 'redis://127.0.0.1:6379', commandTimeoutMs: 2000 },
      });
      expect(load({ MCP_AUTH_MEMORY_MAX_ENTRIES: '10' })).toEqual({ storage: { type: 'memory', maxEntries: 10 } });
      expect(load({ MCP_AUTH_STORAGE: 'memory' })).toEqual({ storage: { type: 'memory' } });
    });

    it('reads record-encryption keys', () => {
      expect(load({ MCP_AUTH_STORAGE_ENCRYPTION_KEYS: `k2:${KEY},k1:${KEY}` })).toEqual({
        storageEncryption: {
          keys: [
            { id: 'k2', key: KEY },
            { id: 'k1', key: KEY },
          ],
        },
      });
    });
  });

  describe('problems', () => {
    it('names every missing, invalid, conflicting and unknown variable at once', () => {
      expect(
        problemsOf({
          MCP_AUTH_PROVIDER: 'jwt',
          MCP_AUTH_RESOURCE_URL: 'https://mcp.example.com/mcp',
          MCP_AUTH_BASE_URL: 'https://mcp.example.com',
          MCP_AUTH_JWT_JWKS_URI: 'not a url',
          MCP_AUTH_JWT_CLOCK_TOLERANCE: 'soon',
          MCP_AUTH_JWT_CACHE: 'false',
          MCP_AUTH_JWT_CACHE_TTL: '5s',
          MCP_AUTH_JWT_DISCOVERY: 'maybe',
          MCP_AUTH_JWKS_URI: 'https://auth.example.com/jwks',
          MCP_AUTH_STORAGE: 'disk',
        }),
      ).toEqual([
        'MCP_AUTH_JWKS_URI: unknown variable (did you mean MCP_AUTH_JWT_JWKS_URI?)',
        'MCP_AUTH_BASE_URL: cannot be combined with MCP_AUTH_RESOURCE_URL',
        'MCP_AUTH_STORAGE: must be one of memory, redis',
        'MCP_AUTH_JWT_ISSUER: required',
        'MCP_AUTH_JWT_JWKS_URI: must be an absolute http(s) URL without userinfo or fragment',
        'MCP_AUTH_JWT_DISCOVERY: must be true, false, 1 or 0 (got "maybe")',
        'MCP_AUTH_JWT_CLOCK_TOLERANCE: must be a duration such as 30s, 5m, 1h or a number of seconds (got "soon")',
        'MCP_AUTH_JWT_CACHE_TTL: cannot be combined with MCP_AUTH_JWT_CACHE',
        'MCP_AUTH_PROVIDER=jwt: set exactly one key source: MCP_AUTH_JWT_JWKS_URI, MCP_AUTH_JWT_PUBLIC_KEYS, MCP_AUTH_JWT_SECRET or MCP_AUTH_JWT_DISCOVERY',
      ]);
    });

    it('refuses an unknown provider and suggests the closest one', () => {
      expect(problemsOf({ MCP_AUTH_PROVIDER: 'JWT' })).toEqual([
        'MCP_AUTH_PROVIDER: must be one of jwt, introspection, static, remote, authkit, descope, scalekit, supabase, auth0, keycloak, github, google, azure, cognito, auth0-proxy, discord, oidc, server (got "JWT"; did you mean jwt?)',
      ]);
      expect(problemsOf({ MCP_AUTH_PROVIDER: 'gitlab' })[0]).toMatch(
        /^MCP_AUTH_PROVIDER: must be one of .* \(got "gitlab"; did you mean github\?\)$/,
      );
      expect(problemsOf({ MCP_AUTH_PROVIDER: 'okta' })[0]).toMatch(
        /^MCP_AUTH_PROVIDER: must be one of .* \(got "okta"\)$/,
      );
    });

    it('reports what option validation finds in the names of the variables', () => {
      expect(
        problemsOf({
          ...JWT,
          MCP_AUTH_JWT_JWKS_TIMEOUT: '2m',
          MCP_AUTH_JWT_ALGORITHMS: 'RS256 HS256',
          MCP_AUTH_SCOPES_SUPPORTED: 'notes:"read"',
          MCP_AUTH_AUTHORIZATION_SERVERS: 'https://a.example?x=1',
        }),
      ).toEqual([
        'MCP_AUTH_AUTHORIZATION_SERVERS: must list absolute http(s) URLs without query or fragment',
        'MCP_AUTH_SCOPES_SUPPORTED: must be an array of scope tokens (printable ASCII without space, " or \\)',
        'MCP_AUTH_JWT_ALGORITHMS: HS256 is not an asymmetric JWS algorithm (allowed: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519)',
        'MCP_AUTH_JWT_JWKS_TIMEOUT: must not be greater than 60000 (milliseconds)',
      ]);
    });

    it('names the variable that unlocks a refused development convenience', () => {
      expect(
        problemsOf({
          MCP_AUTH_BASE_URL: 'http://mcp.example.com',
          MCP_AUTH_PRODUCTION: 'true',
          MCP_AUTH_PROVIDER: 'static',
          MCP_AUTH_STATIC_TOKENS: '{"dev-token-0123456789":{"sub":"alice"}}',
        }),
      ).toEqual([
        'MCP_AUTH_PROVIDER=static: static development tokens are refused in production (set MCP_AUTH_STATIC_ALLOW_IN_PRODUCTION to override)',
        'MCP_AUTH_BASE_URL: must use https in production (got http://mcp.example.com/mcp)',
      ]);
    });

    it('reads production mode from NODE_ENV like the module does', () => {
      const env = { ...JWT, MCP_AUTH_RESOURCE_URL: 'http://mcp.example.com/mcp' };
      expect(load(env)).toHaveProperty('resourceUrl');
      expect(problemsOf({ ...env, NODE_ENV: 'production' })).toEqual([
        'MCP_AUTH_RESOURCE_URL: must use https in production (got http://mcp.example.com/mcp)',
      ]);
    });

    it('locates problems inside JSON values without printing secret tokens', () => {
      const problems = problemsOf({
        ...RESOURCE,
        MCP_AUTH_PROVIDER: 'static',
        MCP_AUTH_STATIC_TOKENS: '{"dev-token-0123456789":{"sub":1}}',
      });
      expect(problems).toContain('MCP_AUTH_STATIC_TOKENS["dev-…"].sub: must be a string');
      expect(problems.join('\n')).not.toContain('dev-token-0123456789');
    });

    it('validates storage and encryption keys', () => {
      expect(
        problemsOf({
          ...JWT,
          MCP_AUTH_REDIS_URL: 'http://cache:6379',
          MCP_AUTH_STORAGE_ENCRYPTION_KEYS: `k1:${KEY},k1:short`,
        }),
      ).toEqual([
        'MCP_AUTH_REDIS_URL: must be a redis:// or rediss:// URL',
        'MCP_AUTH_STORAGE_ENCRYPTION_KEYS[1].id: k1 is used by another key',
        'MCP_AUTH_STORAGE_ENCRYPTION_KEYS[1].key: must be 32 bytes, base64url-encoded (43 characters)',
      ]);
    });

    it('refuses the storage variables of the other backend', () => {
      expect(problemsOf({ ...JWT, MCP_AUTH_STORAGE: 'memory', MCP_AUTH_REDIS_URL: 'redis://cache' })).toEqual([
        'MCP_AUTH_REDIS_URL: unknown option',
      ]);
    });

    it('says what the module needs when the environment is the only other source', () => {
      expect(problemsOf({}, { requireComplete: true })).toEqual([
        'MCP_AUTH_RESOURCE_URL: required (or MCP_AUTH_BASE_URL), unless resourceUrl is set in code',
        'MCP_AUTH_PROVIDER: required, one of jwt, introspection, static, remote, authkit, descope, scalekit, supabase, auth0, keycloak, github, google, azure, cognito, auth0-proxy, discord, oidc, server (unless verifier, remote, proxy or server is set in code)',
      ]);
    });
  });

  describe('with options given in code', () => {
    it('does not require variables whose options are set in code', () => {
      const programmatic = {
        resourceUrl: 'https://mcp.example.com/mcp',
        verifier: { type: 'jwt', issuer: 'https://a' },
      };
      expect(
        load(
          { MCP_AUTH_PROVIDER: 'jwt', MCP_AUTH_JWT_JWKS_URI: 'https://a/jwks' },
          { programmatic: programmatic as Partial<McpAuthModuleOptions>, requireComplete: true },
        ),
      ).toEqual({ verifier: { type: 'jwt', jwksUri: 'https://a/jwks' } });
    });

    it('ignores the provider variables when code chooses another level or kind', () => {
      const env = { MCP_AUTH_PROVIDER: 'authkit', MCP_AUTH_SCOPES_SUPPORTED: 'a' };
      class Verifier {
        verify = () => Promise.reject(new Error('unused'));
      }
      const custom = { verifier: { type: 'custom', useClass: Verifier } } as unknown as Partial<McpAuthModuleOptions>;
      expect(load(env, { programmatic: custom })).toEqual({ scopesSupported: ['a'] });
      const introspection = { verifier: { type: 'introspection' } } as Partial<McpAuthModuleOptions>;
      expect(load({ MCP_AUTH_PROVIDER: 'jwt' }, { programmatic: introspection })).toEqual({});
    });

    it('validates the merged result and marks problems of options set in code', () => {
      expect(
        problemsOf(
          { ...JWT, MCP_AUTH_RESOURCE_URL: '' },
          { programmatic: { resourceUrl: 'mcp.example.com' }, requireComplete: true },
        ),
      ).toEqual(['resourceUrl (set in code): must be an absolute http(s) URL without userinfo or fragment or query']);
    });
  });

  describe('schemas', () => {
    const schemas = [...commonEnvironmentSchemas(), ...providerEnvironmentSchemas().values()];

    it('name every variable MCP_AUTH_<PROVIDER>_<OPTION>, shared ones MCP_AUTH_<OPTION>', () => {
      for (const schema of schemas) {
        const prefix = schema.provider ? `MCP_AUTH_${schema.provider.toUpperCase().replace(/-/g, '_')}_` : 'MCP_AUTH_';
        expect(schema.prefix).toBe(prefix);
        for (const variable of schema.variables) {
          expect(variable.env).toMatch(new RegExp(`^${variable.group?.prefix ?? prefix}[A-Z0-9_]+$`));
        }
      }
    });

    it('never give two variables the same name, except one group variable read by several schemas', () => {
      const byName = new Map<string, EnvVariableDefinition[]>();
      for (const variable of schemas.flatMap((schema) => schema.variables)) {
        byName.set(variable.env, [...(byName.get(variable.env) ?? []), variable]);
      }
      for (const [name, variables] of byName) {
        const shared = variables.length === 1 || variables.every((v) => v.group && v.group === variables[0].group);
        expect({ name, shared }).toEqual({ name, shared: true });
      }
      expect(environmentVariableNames()).toEqual(['MCP_AUTH_PROVIDER', ...byName.keys()]);
    });

    it('choose the auth level through the module options verifier, remote, proxy and server', () => {
      expect([...levelSections()]).toEqual(['verifier', 'remote', 'proxy', 'server']);
    });

    it.each([...providerEnvironmentSchemas().keys()])('fill only options the module knows (%s)', (provider) => {
      const schema = providerEnvironmentSchemas().get(provider)!;
      const env: Env = { ...RESOURCE, MCP_AUTH_PROVIDER: provider };
      for (const variable of [...schema.variables, ...commonEnvironmentSchemas()[0].variables]) {
        if (variable.env !== 'MCP_AUTH_BASE_URL') env[variable.env] = sample(variable);
      }
      let problems: readonly string[] = [];
      try {
        load(env);
      } catch (error) {
        problems = (error as McpAuthConfigurationError).problems;
      }
      expect(problems.filter((problem) => /unknown option|set in code/.test(problem))).toEqual([]);
    });
  });
});

/** A value of the variable's type that its own parser accepts. */
function sample(variable: EnvVariableDefinition): string {
  const samples: Array<[unknown, string]> = [
    [EnvTypes.list, 'a'],
    [EnvTypes.stringOrList, 'https://a.example'],
    [EnvTypes.integer, '1000'],
    [EnvTypes.boolean, 'true'],
    [EnvTypes.seconds, '30s'],
    [EnvTypes.milliseconds, '5s'],
    [EnvTypes.json, '{}'],
    [EnvTypes.keys, '{"kty":"EC"}'],
    [EnvTypes.signingKeys, '{"kty":"EC"}'],
    [EnvTypes.rateLimit, '30/1m'],
    [EnvTypes.encryptionKeys, `k1:${KEY}`],
    [EnvTypes.urls, 'https://a.example'],
  ];
  const found = samples.find(([type]) => type === variable.type);
  if (found) return found[1];
  if (variable.type.label === 'URL') return 'https://a.example';
  if (variable.type.label.includes('/')) return variable.type.label.split('`')[1];
  return 'https://a.example';
}
