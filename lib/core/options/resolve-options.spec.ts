import { McpAuthConfigurationError } from '../errors/configuration.error.js';
import type { McpAuthModuleOptions } from './module-options.js';
import { DEFAULT_SERVER_INFO, resolveMcpAuthOptions } from './resolve-options.js';

const TOKEN = 'dev-token-0123456789';
const JWT = { type: 'jwt', issuer: 'https://auth.example.com/', jwksUri: 'https://auth.example.com/jwks' } as const;
const STATIC = { type: 'static', tokens: { [TOKEN]: { sub: 'alice' } } } as const;

function resolve(options: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  return resolveMcpAuthOptions(options as unknown as McpAuthModuleOptions, env);
}

function problemsOf(options: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    resolve(options, env);
  } catch (error) {
    if (error instanceof McpAuthConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('expected the options to be refused');
}

describe('resolveMcpAuthOptions', () => {
  describe('defaults', () => {
    it('fills every resolved field for a minimal public configuration', () => {
      const verifier = { ...JWT };
      expect(resolve({ resourceUrl: 'https://mcp.example.com/mcp', verifier })).toEqual({
        resourceUrl: 'https://mcp.example.com/mcp',
        resourceMetadataUrl: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
        resourceMetadataPath: '/.well-known/oauth-protected-resource/mcp',
        verifier,
        authorizationServers: [],
        scopesSupported: undefined,
        requiredScopes: [],
        impliedScopes: undefined,
        resourceName: undefined,
        resourceDocumentation: undefined,
        production: false,
        mcp: {
          serverInfo: DEFAULT_SERVER_INFO,
          instructions: undefined,
          allowedHosts: undefined,
          allowedOrigins: { any: true },
        },
      });
    });

    it('reports the package as the default server', () => {
      expect(DEFAULT_SERVER_INFO).toEqual({
        name: 'nestjs-mcp-auth',
        version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      });
    });

    it('keeps every configured value', () => {
      const serverInfo = { name: 'notes', version: '1.2.3', title: 'Notes' };
      const implied = { 'notes:admin': ['notes:read'] };
      const resolved = resolve({
        resourceUrl: 'https://mcp.example.com/mcp',
        verifier: JWT,
        authorizationServers: ['https://auth.example.com/'],
        scopesSupported: ['notes:read', 'notes:admin'],
        requiredScopes: ['notes:read'],
        impliedScopes: implied,
        resourceName: 'Notes',
        resourceDocumentation: 'https://docs.example.com/notes?lang=en',
        production: true,
        mcp: { serverInfo, instructions: 'Be nice' },
      });
      expect(resolved).toMatchObject({
        authorizationServers: ['https://auth.example.com/'],
        scopesSupported: ['notes:read', 'notes:admin'],
        requiredScopes: ['notes:read'],
        impliedScopes: implied,
        resourceName: 'Notes',
        resourceDocumentation: 'https://docs.example.com/notes?lang=en',
        production: true,
        mcp: { serverInfo, instructions: 'Be nice' },
      });
    });

    it('derives the metadata URL of a path-less resource', () => {
      const resolved = resolve({ resourceUrl: 'https://mcp.example.com/', verifier: JWT });
      expect(resolved.resourceMetadataUrl).toBe('https://mcp.example.com/.well-known/oauth-protected-resource');
      expect(resolved.resourceMetadataPath).toBe('/.well-known/oauth-protected-resource');
    });

    it('keeps the resource URL byte for byte', () => {
      expect(resolve({ resourceUrl: 'https://MCP.example.com:443/mcp/', verifier: JWT }).resourceUrl).toBe(
        'https://MCP.example.com:443/mcp/',
      );
    });
  });

  describe('production mode', () => {
    it('follows NODE_ENV unless set explicitly', () => {
      const base = { resourceUrl: 'https://mcp.example.com/mcp', verifier: JWT };
      expect(resolve(base, { NODE_ENV: 'production' }).production).toBe(true);
      expect(resolve(base, { NODE_ENV: 'development' }).production).toBe(false);
      expect(resolve(base, {}).production).toBe(false);
      expect(resolve({ ...base, production: false }, { NODE_ENV: 'production' }).production).toBe(false);
      expect(resolve({ ...base, production: true }, {}).production).toBe(true);
    });

    it('refuses static tokens in production unless allowInProduction is set', () => {
      const base = { resourceUrl: 'https://mcp.example.com/mcp' };
      expect(problemsOf({ ...base, verifier: STATIC }, { NODE_ENV: 'production' })).toEqual([
        'verifier: static development tokens are refused in production (set allowInProduction to override)',
      ]);
      expect(resolve({ ...base, verifier: { ...STATIC, allowInProduction: true }, production: true }).production).toBe(
        true,
      );
      expect(resolve({ ...base, verifier: STATIC }).production).toBe(false);
    });

    it('requires https for non-loopback public URLs (TR-05)', () => {
      expect(
        problemsOf({
          resourceUrl: 'http://mcp.example.com/mcp',
          authorizationServers: ['https://a.example.com', 'http://auth.example.com'],
          verifier: JWT,
          production: true,
        }),
      ).toEqual([
        'resourceUrl: must use https in production (got http://mcp.example.com/mcp)',
        'authorizationServers[1]: must use https in production (got http://auth.example.com)',
      ]);
    });

    it.each([
      'http://127.0.0.1:3000/mcp',
      'http://localhost:3000/mcp',
      'http://[::1]:3000/mcp',
      'http://127.0.0.9/mcp',
    ])('allows plain http on the loopback resource %s', (resourceUrl) => {
      expect(
        resolve({ resourceUrl, authorizationServers: ['http://127.0.0.1:4000'], verifier: JWT, production: true })
          .production,
      ).toBe(true);
    });

    it('allows plain http outside production', () => {
      expect(
        resolve({
          resourceUrl: 'http://mcp.example.com/mcp',
          authorizationServers: ['http://a.example'],
          verifier: JWT,
        }).resourceUrl,
      ).toBe('http://mcp.example.com/mcp');
    });
  });

  describe('MCP endpoint Host and Origin policy (TR-01)', () => {
    it('defaults a loopback resource to the loopback host names and loopback origins on any port', () => {
      const { mcp } = resolve({ resourceUrl: 'http://127.0.0.1:3000/mcp', verifier: JWT });
      expect(mcp.allowedHosts).toEqual(new Set(['localhost', '127.0.0.1', '[::1]']));
      expect(mcp.allowedOrigins).toEqual({
        any: false,
        exact: new Set(['http://127.0.0.1:3000']),
        loopbackAnyPort: true,
      });
    });

    it('adds the resource host itself when it is another loopback address', () => {
      const { mcp } = resolve({ resourceUrl: 'http://127.0.0.2:3000/mcp', verifier: JWT });
      expect(mcp.allowedHosts).toEqual(new Set(['localhost', '127.0.0.1', '[::1]', '127.0.0.2']));
    });

    it('defaults a public resource to no Host check and any origin', () => {
      const { mcp } = resolve({ resourceUrl: 'https://mcp.example.com/mcp', verifier: JWT });
      expect(mcp.allowedHosts).toBeUndefined();
      expect(mcp.allowedOrigins).toEqual({ any: true });
    });

    it('uses configured hosts, lower-cased', () => {
      const { mcp } = resolve({
        resourceUrl: 'http://127.0.0.1:3000/mcp',
        verifier: JWT,
        mcp: { allowedHosts: ['MCP.Example.com', '[::1]', '10.0.0.1'] },
      });
      expect(mcp.allowedHosts).toEqual(new Set(['mcp.example.com', '[::1]', '10.0.0.1']));
    });

    it('disables the Host check with allowedHosts: false', () => {
      const { mcp } = resolve({
        resourceUrl: 'http://127.0.0.1:3000/mcp',
        verifier: JWT,
        mcp: { allowedHosts: false },
      });
      expect(mcp.allowedHosts).toBeUndefined();
    });

    it('uses configured origins exactly, without the loopback allowance', () => {
      const { mcp } = resolve({
        resourceUrl: 'http://127.0.0.1:3000/mcp',
        verifier: JWT,
        mcp: { allowedOrigins: ['https://app.example.com', 'http://localhost:5173'] },
      });
      expect(mcp.allowedOrigins).toEqual({
        any: false,
        exact: new Set(['https://app.example.com', 'http://localhost:5173']),
        loopbackAnyPort: false,
      });
    });

    it("accepts any origin with allowedOrigins: '*'", () => {
      const { mcp } = resolve({
        resourceUrl: 'http://127.0.0.1:3000/mcp',
        verifier: JWT,
        mcp: { allowedOrigins: '*' },
      });
      expect(mcp.allowedOrigins).toEqual({ any: true });
    });

    it.each([[[]], [['mcp.example.com:443']], [['https://mcp.example.com']], [['a b']], [[1]], ['localhost'], [true]])(
      'refuses allowedHosts %j',
      (allowedHosts) => {
        expect(
          problemsOf({ resourceUrl: 'https://mcp.example.com/mcp', verifier: JWT, mcp: { allowedHosts } }),
        ).toEqual(['mcp.allowedHosts: must be false or a non-empty array of host names without port']);
      },
    );

    it.each([
      [[]],
      [['https://app.example.com/']],
      [['https://app.example.com/path']],
      [['app.example.com']],
      [['null']],
      [['https://APP.example.com']],
      ['https://app.example.com'],
      [false],
    ])('refuses allowedOrigins %j', (allowedOrigins) => {
      expect(
        problemsOf({ resourceUrl: 'https://mcp.example.com/mcp', verifier: JWT, mcp: { allowedOrigins } }),
      ).toEqual(["mcp.allowedOrigins: must be '*' or a non-empty array of origins such as https://app.example.com"]);
    });
  });

  describe('validation', () => {
    it('reports unknown options with their path', () => {
      expect(
        problemsOf({
          resourceUrl: 'https://mcp.example.com/mcp',
          verifier: { ...JWT, jwksUrl: 'x' },
          scopes: ['a'],
          mcp: { path: '/mcp', serverInfo: { name: 'n', version: '1', vendor: 'x' } },
        }),
      ).toEqual([
        'scopes: unknown option',
        'verifier.jwksUrl: unknown option',
        'mcp.path: unknown option',
        'mcp.serverInfo.vendor: unknown option',
      ]);
    });

    it.each([
      ['missing', undefined],
      ['relative', '/mcp'],
      ['with a query', 'https://mcp.example.com/mcp?x=1'],
      ['with a fragment', 'https://mcp.example.com/mcp#x'],
      ['with userinfo', 'https://u:p@mcp.example.com/mcp'],
      ['not http', 'ws://mcp.example.com/mcp'],
    ])('refuses a resourceUrl that is %s', (_name, resourceUrl) => {
      expect(problemsOf({ resourceUrl, verifier: JWT })).toEqual([
        'resourceUrl: must be an absolute http(s) URL without userinfo or fragment or query',
      ]);
    });

    it('refuses an empty list of authorization servers and bad issuer URLs', () => {
      const base = { resourceUrl: 'https://mcp.example.com/mcp', verifier: JWT };
      expect(problemsOf({ ...base, authorizationServers: [] })).toEqual([
        'authorizationServers: must list at least one issuer when given',
      ]);
      expect(problemsOf({ ...base, authorizationServers: ['https://a.example', 'https://b.example?x=1'] })).toEqual([
        'authorizationServers: must be absolute http(s) issuer URLs without query or fragment',
      ]);
    });

    it('refuses scope lists with characters outside RFC 6749 scope tokens', () => {
      expect(
        problemsOf({
          resourceUrl: 'https://mcp.example.com/mcp',
          verifier: JWT,
          scopesSupported: ['a b'],
          requiredScopes: ['"x"'],
        }),
      ).toEqual([
        'scopesSupported: must be an array of scope tokens (printable ASCII without space, " or \\)',
        'requiredScopes: must be an array of scope tokens (printable ASCII without space, " or \\)',
      ]);
    });

    it('validates the server info', () => {
      expect(
        problemsOf({
          resourceUrl: 'https://mcp.example.com/mcp',
          verifier: JWT,
          mcp: { serverInfo: { name: '', version: '1', title: 2 } },
        }),
      ).toEqual([
        'mcp.serverInfo.name: must be longer than or equal to 1 characters',
        'mcp.serverInfo.title: must be a string',
      ]);
    });

    it('reports every problem at once, across sections', () => {
      const problems = problemsOf({
        resourceUrl: 'http://mcp.example.com/mcp',
        verifier: { type: 'jwt', issuer: '', secret: 'short', algorithms: ['RS256'] },
        authorizationServers: ['http://auth.example.com'],
        scopesSupported: 'a',
        resourceName: 1,
        resourceDocumentation: 'docs',
        production: true,
        typo: 1,
        mcp: { allowedHosts: [], allowedOrigins: [], serverInfo: { name: 'n' } },
      });
      expect([...problems].sort()).toEqual([
        'authorizationServers[0]: must use https in production (got http://auth.example.com)',
        'mcp.allowedHosts: must be false or a non-empty array of host names without port',
        "mcp.allowedOrigins: must be '*' or a non-empty array of origins such as https://app.example.com",
        'mcp.serverInfo.version: must be a string',
        'mcp.serverInfo.version: must be longer than or equal to 1 characters',
        'resourceDocumentation: must be an absolute http(s) URL without userinfo or fragment',
        'resourceName: must be a string',
        'resourceUrl: must use https in production (got http://mcp.example.com/mcp)',
        'scopesSupported: must be an array of scope tokens (printable ASCII without space, " or \\)',
        'typo: unknown option',
        'verifier.algorithms: RS256 cannot be used with an HMAC secret (allowed: HS256, HS384, HS512)',
        'verifier.issuer: must be a non-empty string or an array of non-empty strings',
        'verifier.secret: must be at least 32 characters (256 bits)',
      ]);
    });

    it('reports a missing verifier under its path', () => {
      const problems = problemsOf({ resourceUrl: 'https://mcp.example.com/mcp' });
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) expect(problem).toMatch(/^verifier[.:]/);
    });

    it('refuses options that are not an object', () => {
      expect(() => resolve(null as unknown as Record<string, unknown>)).toThrow(McpAuthConfigurationError);
    });

    it('throws one McpAuthConfigurationError whose message lists each problem', () => {
      let error: unknown;
      try {
        resolve({ resourceUrl: 'x', verifier: JWT, typo: 1 });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(McpAuthConfigurationError);
      expect((error as Error).message).toBe(
        'Invalid nestjs-mcp-auth configuration:\n' +
          '  - typo: unknown option\n' +
          '  - resourceUrl: must be an absolute http(s) URL without userinfo or fragment or query',
      );
    });
  });
});
