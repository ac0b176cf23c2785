import { resolveMcpAuthOptions } from '../core/options/resolve-options.js';
import type { RemoteOAuthOptions } from '../core/options/remote-options.js';
import { resolveRemoteLevel } from './remote-level.js';

const resource = 'https://mcp.example.com/mcp';

describe('resolveRemoteLevel', () => {
  it.each<[string, RemoteOAuthOptions, Record<string, unknown>]>([
    [
      'authkit',
      { provider: 'authkit', domain: 'https://acme.authkit.app/' },
      { issuer: 'https://acme.authkit.app', jwksUri: 'https://acme.authkit.app/oauth2/jwks', audience: resource },
    ],
    [
      'descope',
      { provider: 'descope', projectId: 'P123', issuer: 'https://api.descope.com/v1/apps/agentic/P123/M456' },
      { issuer: 'https://api.descope.com/v1/apps/agentic/P123/M456', discovery: true, audience: 'P123' },
    ],
    [
      'scalekit',
      { provider: 'scalekit', environmentUrl: 'https://acme.scalekit.com', resourceId: 'res_1' },
      {
        issuer: ['https://acme.scalekit.com', 'https://acme.scalekit.com/resources/res_1'],
        jwksUri: 'https://acme.scalekit.com/keys',
        audience: 'res_1',
      },
    ],
    [
      'supabase',
      { provider: 'supabase', projectUrl: 'https://abcd.supabase.co' },
      {
        issuer: 'https://abcd.supabase.co/auth/v1',
        jwksUri: 'https://abcd.supabase.co/auth/v1/.well-known/jwks.json',
        audience: 'authenticated',
      },
    ],
    [
      'auth0',
      { provider: 'auth0', domain: 'https://acme.us.auth0.com' },
      {
        issuer: 'https://acme.us.auth0.com/',
        jwksUri: 'https://acme.us.auth0.com/.well-known/jwks.json',
        audience: resource,
      },
    ],
    [
      'keycloak',
      { provider: 'keycloak', realmUrl: 'https://kc.example.com/realms/mcp/' },
      {
        issuer: 'https://kc.example.com/realms/mcp',
        jwksUri: 'https://kc.example.com/realms/mcp/protocol/openid-connect/certs',
        audience: resource,
      },
    ],
    [
      'generic',
      { provider: 'generic', issuer: 'https://auth.example.com/' },
      { issuer: 'https://auth.example.com/', discovery: true, audience: resource },
    ],
  ])('%s derives issuer, keys and audience', (_name, options, expected) => {
    const level = resolveRemoteLevel(options, resource);
    expect(level.verifier).toEqual({ type: 'jwt', ...expected });
    expect(level.mirror).toBeUndefined();
  });

  it.each<[string, RemoteOAuthOptions, string]>([
    ['authkit', { provider: 'authkit', domain: 'https://acme.authkit.app' }, 'https://acme.authkit.app'],
    [
      'scalekit',
      { provider: 'scalekit', environmentUrl: 'https://e.scalekit.com/', resourceId: 'r' },
      'https://e.scalekit.com/resources/r',
    ],
    [
      'supabase',
      { provider: 'supabase', projectUrl: 'https://p.supabase.co', authRoute: 'auth/v2/' },
      'https://p.supabase.co/auth/v2',
    ],
    ['auth0', { provider: 'auth0', domain: 'https://t.auth0.com/' }, 'https://t.auth0.com/'],
  ])('%s advertises the issuer exactly as its metadata spells it', (_name, options, issuer) => {
    expect(resolveRemoteLevel(options, resource).authorizationServer).toBe(issuer);
  });

  it('lets every derived value be overridden', () => {
    const level = resolveRemoteLevel(
      {
        provider: 'keycloak',
        realmUrl: 'https://kc.example.com/realms/mcp',
        jwksUri: 'https://keys.example.com/jwks',
        tokenIssuer: 'https://kc.internal/realms/mcp',
        audience: 'mcp-api',
        requiredType: 'at+jwt',
      },
      resource,
    );
    expect(level.authorizationServer).toBe('https://kc.example.com/realms/mcp');
    expect(level.verifier).toEqual({
      type: 'jwt',
      issuer: 'https://kc.internal/realms/mcp',
      jwksUri: 'https://keys.example.com/jwks',
      audience: 'mcp-api',
      requiredType: 'at+jwt',
    });
  });

  it('verifies through introspection when the generic provider is given one', () => {
    const level = resolveRemoteLevel(
      {
        provider: 'generic',
        issuer: 'https://auth.example.com',
        introspection: { introspectionUrl: 'https://auth.example.com/introspect', clientId: 'rs', clientSecret: 's' },
      },
      resource,
    );
    expect(level.verifier).toEqual({
      type: 'introspection',
      introspectionUrl: 'https://auth.example.com/introspect',
      clientId: 'rs',
      clientSecret: 's',
      audience: resource,
      issuer: 'https://auth.example.com',
    });
  });

  it('enables the metadata mirror with its defaults', () => {
    const level = resolveRemoteLevel(
      { provider: 'generic', issuer: 'https://auth.example.com', mirrorMetadata: true },
      resource,
    );
    expect(level.mirror).toEqual({ issuer: 'https://auth.example.com', timeoutMs: 5000, cacheSeconds: 300 });
  });
});

describe('remote options validation', () => {
  const problems = (remote: unknown, extra: Record<string, unknown> = {}) => {
    try {
      resolveMcpAuthOptions({ resourceUrl: resource, remote, ...extra } as never);
      return [];
    } catch (error) {
      return (error as { problems: string[] }).problems;
    }
  };

  it('names the provider choices', () => {
    expect(problems({ provider: 'okta' })).toEqual([
      'remote.provider: must be one of authkit, descope, scalekit, supabase, auth0, keycloak, generic',
    ]);
  });

  it('reports missing and unknown fields with their paths', () => {
    expect(problems({ provider: 'scalekit', environmentUrl: 'nope', resourceID: 'x' })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^remote\.environmentUrl: must be an absolute http\(s\) URL/),
        expect.stringMatching(/^remote\.resourceId: /),
        'remote.resourceID: unknown option',
      ]),
    );
  });

  it('refuses authorizationServers next to remote', () => {
    expect(
      problems(
        { provider: 'generic', issuer: 'https://a.example.com' },
        { authorizationServers: ['https://b.example.com'] },
      ),
    ).toEqual(['authorizationServers: remote provides the authorization server; set one or the other']);
  });

  it('validates the generic provider introspection settings', () => {
    expect(
      problems({ provider: 'generic', issuer: 'https://a.example.com', introspection: { introspectionUrl: 'x' } }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^remote\.introspection\.introspectionUrl: /),
        expect.stringMatching(/^remote\.introspection\.clientId: /),
      ]),
    );
  });
});
