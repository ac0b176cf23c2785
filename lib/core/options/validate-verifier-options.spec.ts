import { validateVerifierOptions } from './validate-verifier-options.js';
import type { McpVerifierOptions } from './verifier-options.js';

const ISSUER = 'https://auth.example.com/';
const JWKS_URI = 'https://auth.example.com/.well-known/jwks.json';
const SECRET = 's'.repeat(32);
const PEM = '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n';
const RSA_JWK = { kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB' };
const TOKEN = 'dev-token-0123456789';

class Verifier {
  verify(): never {
    throw new Error('not used');
  }
}

function problemsOf(options: unknown, production = false): string[] {
  const problems: string[] = [];
  validateVerifierOptions('verifier', options as McpVerifierOptions, { production }, problems);
  return problems;
}

describe('validateVerifierOptions', () => {
  describe('type', () => {
    it.each([
      ['missing', {}],
      ['unknown', { type: 'oauth' }],
      ['not a string', { type: 1 }],
    ])('is required and must be known (%s)', (_name, options) => {
      expect(problemsOf(options)).toEqual(['verifier.type: must be one of jwt, introspection, static, custom, chain']);
    });

    it('is reported for a verifier that is not an object', () => {
      expect(problemsOf(undefined)).toEqual([
        'verifier.type: must be one of jwt, introspection, static, custom, chain',
      ]);
      expect(problemsOf('jwt')).toEqual(['verifier.type: must be one of jwt, introspection, static, custom, chain']);
    });
  });

  describe('jwt', () => {
    const jwt = (extra: Record<string, unknown>) => ({ type: 'jwt', issuer: ISSUER, ...extra });

    it.each([
      ['a JWKS URL', { jwksUri: JWKS_URI }],
      ['PEM keys', { publicKeys: [PEM, PEM.replace(/PUBLIC KEY/g, 'CERTIFICATE')] }],
      ['a PKCS#1 PEM key', { publicKeys: [PEM.replace(/PUBLIC KEY/g, 'RSA PUBLIC KEY')] }],
      ['public JWKs', { publicKeys: [RSA_JWK, { kty: 'OKP', crv: 'Ed25519', x: 'x' }] }],
      ['a secret', { secret: SECRET, algorithms: ['HS256', 'HS512'] }],
      ['asymmetric algorithms with keys', { jwksUri: JWKS_URI, algorithms: ['RS256', 'ES256', 'EdDSA'] }],
      ['an issuer list', { jwksUri: JWKS_URI, issuer: ['https://a.example', 'https://b.example'] }],
      [
        'every tuning option',
        {
          jwksUri: JWKS_URI,
          audience: ['https://mcp.example.com/mcp'],
          clockToleranceSeconds: 0,
          maxTokenAgeSeconds: 300,
          requiredType: 'at+jwt',
          jwks: { timeoutMs: 100, cooldownMs: 0, cacheMaxAgeMs: 1000, maxResponseBytes: 1024 },
          cache: { maxEntries: 1, ttlSeconds: 3600 },
        },
      ],
      ['the cache disabled', { jwksUri: JWKS_URI, cache: false }],
    ])('accepts %s', (_name, extra) => {
      expect(problemsOf(jwt(extra))).toEqual([]);
    });

    it.each([
      ['none', {}],
      ['jwksUri and publicKeys', { jwksUri: JWKS_URI, publicKeys: [PEM] }],
      ['jwksUri and secret', { jwksUri: JWKS_URI, secret: SECRET }],
      ['publicKeys and secret', { publicKeys: [PEM], secret: SECRET }],
      ['all three', { jwksUri: JWKS_URI, publicKeys: [PEM], secret: SECRET }],
    ])('needs exactly one key source (%s)', (_name, extra) => {
      const problems = problemsOf(jwt(extra));
      expect(problems).toEqual([
        expect.stringMatching(/^verifier: set exactly one key source: jwksUri, publicKeys,? /),
      ]);
    });

    it.each(['RS256', 'ES256', 'EdDSA', 'none'])('refuses %s with an HMAC secret (V-03)', (alg) => {
      expect(problemsOf(jwt({ secret: SECRET, algorithms: [alg] }))).toEqual([
        `verifier.algorithms: ${alg} cannot be used with an HMAC secret (allowed: HS256, HS384, HS512)`,
      ]);
    });

    it.each(['HS256', 'none', 'rs256'])('refuses %s with asymmetric keys (V-01, V-03)', (alg) => {
      expect(problemsOf(jwt({ jwksUri: JWKS_URI, algorithms: [alg] }))).toEqual([
        `verifier.algorithms: ${alg} is not an asymmetric JWS algorithm (allowed: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519)`,
      ]);
    });

    it('reports each refused algorithm', () => {
      expect(problemsOf(jwt({ publicKeys: [PEM], algorithms: ['RS256', 'HS256', 'HS512'] }))).toHaveLength(2);
    });

    it('refuses an empty or non-string algorithm list', () => {
      expect(problemsOf(jwt({ jwksUri: JWKS_URI, algorithms: [] }))).toEqual([
        'verifier.algorithms: should not be empty',
      ]);
      expect(problemsOf(jwt({ jwksUri: JWKS_URI, algorithms: [256] }))).toEqual([
        'verifier.algorithms: each value in algorithms must be a string',
      ]);
    });

    it('refuses a secret shorter than 32 characters', () => {
      expect(problemsOf(jwt({ secret: 's'.repeat(31) }))).toEqual([
        'verifier.secret: must be at least 32 characters (256 bits)',
      ]);
    });

    it.each([
      ['a private key PEM', '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----'],
      ['a PKCS#1 private key PEM', '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----'],
      ['base64 without armour', 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'],
    ])('refuses %s as a public key', (_name, key) => {
      expect(problemsOf(jwt({ publicKeys: [RSA_JWK, key] }))).toEqual([
        'verifier.publicKeys[1]: must be a PEM public key or certificate',
      ]);
    });

    it.each(['d', 'p', 'q', 'dp', 'dq', 'qi'])('refuses a JWK with the private member %s', (member) => {
      expect(problemsOf(jwt({ publicKeys: [{ ...RSA_JWK, [member]: 'x' }] }))).toEqual([
        'verifier.publicKeys[0]: must be a public JWK (private or symmetric key material found)',
      ]);
    });

    it('refuses a symmetric JWK', () => {
      expect(problemsOf(jwt({ publicKeys: [{ kty: 'oct', k: 'c2VjcmV0' }] }))).toEqual([
        'verifier.publicKeys[0]: must be a public JWK (private or symmetric key material found)',
      ]);
    });

    it.each([
      ['a number', 42],
      ['null', null],
      ['an object without kty', { n: 'x', e: 'AQAB' }],
      ['a numeric kty', { kty: 1 }],
    ])('refuses %s as a key', (_name, key) => {
      expect(problemsOf(jwt({ publicKeys: [key] }))).toEqual([
        'verifier.publicKeys[0]: must be a PEM string or a JWK object',
      ]);
    });

    it('refuses an empty key list', () => {
      expect(problemsOf(jwt({ publicKeys: [] }))).toEqual(['verifier.publicKeys: should not be empty']);
    });

    it('requires an issuer', () => {
      expect(problemsOf({ type: 'jwt', jwksUri: JWKS_URI })).toEqual([
        'verifier.issuer: must be a non-empty string or an array of non-empty strings',
      ]);
      expect(problemsOf(jwt({ jwksUri: JWKS_URI, issuer: ['a', ''] }))).toHaveLength(1);
    });

    it('refuses a JWKS URL that is not http(s) or has a fragment', () => {
      expect(problemsOf(jwt({ jwksUri: 'file:///etc/jwks.json' }))).toEqual([
        'verifier.jwksUri: must be an absolute http(s) URL without userinfo or fragment',
      ]);
    });

    it('validates the jwks and cache sections, naming their paths', () => {
      expect(
        problemsOf(
          jwt({
            jwksUri: JWKS_URI,
            jwks: { timeoutMs: 99, cacheMaxAgeMs: 10, typo: 1 },
            cache: { maxEntries: 0, ttlSeconds: 3601 },
          }),
        ).sort(),
      ).toEqual([
        'verifier.cache.maxEntries: must not be less than 1',
        'verifier.cache.ttlSeconds: must not be greater than 3600',
        'verifier.jwks.cacheMaxAgeMs: must not be less than 1000',
        'verifier.jwks.timeoutMs: must not be less than 100',
        'verifier.jwks.typo: unknown option',
      ]);
    });

    it('refuses a cache that is neither false nor an object', () => {
      expect(problemsOf(jwt({ jwksUri: JWKS_URI, cache: true }))).toEqual(['verifier.cache: must be an object']);
    });

    it('reports unknown options such as a misspelt jwksUrl', () => {
      expect(problemsOf(jwt({ jwksUri: JWKS_URI, jwksUrl: JWKS_URI }))).toEqual(['verifier.jwksUrl: unknown option']);
    });
  });

  describe('introspection', () => {
    const introspection = (extra: Record<string, unknown> = {}) => ({
      type: 'introspection',
      introspectionUrl: 'https://auth.example.com/introspect',
      clientId: 'rs',
      clientSecret: 'secret',
      ...extra,
    });

    it.each([
      ['the minimum', {}],
      ['audience disabled', { audience: false }],
      ['an audience string', { audience: 'https://mcp.example.com/mcp' }],
      ['an audience list', { audience: ['a', 'b'] }],
      ['post authentication, issuer and cache', { clientAuthMethod: 'client_secret_post', issuer: 'x', cache: false }],
    ])('accepts %s', (_name, extra) => {
      expect(problemsOf(introspection(extra))).toEqual([]);
    });

    it.each([[''], [[]], [['a', '']], [['a', 1]], [true], [1]])('refuses the audience %j', (audience) => {
      expect(problemsOf(introspection({ audience }))).toEqual([
        'verifier.audience: must be false, a non-empty string or an array of strings',
      ]);
    });

    it('requires the endpoint and the client credentials', () => {
      const problems = problemsOf({ type: 'introspection' });
      expect(problems).toContain(
        'verifier.introspectionUrl: must be an absolute http(s) URL without userinfo or fragment',
      );
      expect(problems).toContain('verifier.clientId: must be a string');
      expect(problems).toContain('verifier.clientSecret: must be a string');
    });

    it('refuses an unknown client authentication method and an out-of-range timeout', () => {
      expect(problemsOf(introspection({ clientAuthMethod: 'private_key_jwt', timeoutMs: 60_001 }))).toEqual([
        'verifier.clientAuthMethod: must be one of the following values: client_secret_basic, client_secret_post',
        'verifier.timeoutMs: must not be greater than 60000',
      ]);
    });

    it('validates the cache section', () => {
      expect(problemsOf(introspection({ cache: { maxEntries: 1.5 } }))).toEqual([
        'verifier.cache.maxEntries: must be an integer number',
      ]);
    });
  });

  describe('static', () => {
    const staticTokens = (extra: Record<string, unknown> = {}) => ({
      type: 'static',
      tokens: { [TOKEN]: { sub: 'alice', scopes: ['a'], clientId: 'c', expiresAt: 2_000_000_000, claims: {} } },
      ...extra,
    });

    it('accepts tokens outside production', () => {
      expect(problemsOf(staticTokens())).toEqual([]);
    });

    it('is refused in production', () => {
      expect(problemsOf(staticTokens(), true)).toEqual([
        'verifier: static development tokens are refused in production (set allowInProduction to override)',
      ]);
    });

    it('is accepted in production with allowInProduction: true, and only true', () => {
      expect(problemsOf(staticTokens({ allowInProduction: true }), true)).toEqual([]);
      expect(problemsOf(staticTokens({ allowInProduction: false }), true)).toHaveLength(1);
    });

    it.each([[{}], [null], ['token']])('needs at least one token (%j)', (tokens) => {
      expect(problemsOf({ type: 'static', tokens })).toContain('verifier.tokens: must define at least one token');
    });

    it('refuses tokens shorter than 16 characters', () => {
      expect(problemsOf({ type: 'static', tokens: { 'fifteen-chars-x': { sub: 'u' } } })).toEqual([
        'verifier.tokens: each token must be at least 16 characters',
      ]);
      expect(problemsOf({ type: 'static', tokens: { 'sixteen-chars-xx': { sub: 'u' } } })).toEqual([]);
    });

    it('validates each definition under an abbreviated token path, never printing the token', () => {
      const problems = problemsOf({ type: 'static', tokens: { [TOKEN]: { scopes: 'a', expiresAt: 1.5, extra: 1 } } });
      expect(problems.sort()).toEqual([
        'verifier.tokens["dev-…"].expiresAt: must be an integer number',
        'verifier.tokens["dev-…"].extra: unknown option',
        'verifier.tokens["dev-…"].scopes: must be an array',
        'verifier.tokens["dev-…"].sub: must be a string',
        'verifier.tokens["dev-…"].sub: must be longer than or equal to 1 characters',
      ]);
      expect(problems.join('\n')).not.toContain(TOKEN);
    });
  });

  describe('custom', () => {
    it('accepts a class', () => {
      expect(problemsOf({ type: 'custom', useClass: Verifier })).toEqual([]);
    });

    it.each([
      ['missing', undefined],
      ['an instance', new Verifier()],
      ['an arrow function', () => new Verifier()],
    ])('refuses useClass %s', (_name, useClass) => {
      expect(problemsOf({ type: 'custom', useClass })).toEqual(['verifier.useClass: must be a class']);
    });
  });

  describe('chain', () => {
    it('accepts valid members', () => {
      expect(
        problemsOf({
          type: 'chain',
          verifiers: [
            { type: 'jwt', issuer: ISSUER, jwksUri: JWKS_URI },
            { type: 'custom', useClass: Verifier },
          ],
        }),
      ).toEqual([]);
    });

    it('refuses an empty or non-array member list', () => {
      expect(problemsOf({ type: 'chain', verifiers: [] })).toEqual(['verifier.verifiers: should not be empty']);
      expect(problemsOf({ type: 'chain', verifiers: { type: 'jwt' } })).toContain(
        'verifier.verifiers: must be an array',
      );
    });

    it('validates members recursively with indexed paths', () => {
      expect(
        problemsOf({
          type: 'chain',
          verifiers: [
            { type: 'jwt', issuer: ISSUER, jwksUri: JWKS_URI },
            { type: 'jwt', issuer: ISSUER, secret: SECRET, algorithms: ['RS256'] },
            { type: 'chain', verifiers: [{ type: 'custom', useClass: Verifier }, { type: 'nope' }] },
          ],
        }),
      ).toEqual([
        'verifier.verifiers[1].algorithms: RS256 cannot be used with an HMAC secret (allowed: HS256, HS384, HS512)',
        'verifier.verifiers[2].verifiers[1].type: must be one of jwt, introspection, static, custom, chain',
      ]);
    });

    it('passes production mode down to its members', () => {
      const chain = { type: 'chain', verifiers: [{ type: 'static', tokens: { [TOKEN]: { sub: 'u' } } }] };
      expect(problemsOf(chain, false)).toEqual([]);
      expect(problemsOf(chain, true)).toEqual([
        'verifier.verifiers[0]: static development tokens are refused in production (set allowInProduction to override)',
      ]);
    });
  });
});
