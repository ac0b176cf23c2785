import { McpAuthConfigurationError } from '../errors/configuration.error.js';
import type { McpAuthModuleOptions } from './module-options.js';
import { resolveMcpAuthOptions } from './resolve-options.js';
import { validateVerifierOptions } from './validate-verifier-options.js';

const JWT = { type: 'jwt', issuer: 'https://auth.example.com/', jwksUri: 'https://auth.example.com/jwks' } as const;

function problemsOf(options: Record<string, unknown>): readonly string[] {
  try {
    resolveMcpAuthOptions(options as unknown as McpAuthModuleOptions, {});
  } catch (error) {
    if (error instanceof McpAuthConfigurationError) return error.problems;
    throw error;
  }
  return [];
}

/** Regressions found by the unit suite: each input used to crash or slip through. */
describe('option validation hardening', () => {
  it('refuses plain http in production whatever the scheme case', () => {
    expect(problemsOf({ resourceUrl: 'HTTP://mcp.example.com/mcp', verifier: JWT, production: true })).toEqual([
      'resourceUrl: must use https in production (got HTTP://mcp.example.com/mcp)',
    ]);
  });

  it('refuses plain-http key and introspection URLs in production (a JWKS over http can be swapped)', () => {
    expect(
      problemsOf({
        resourceUrl: 'https://mcp.example.com/mcp',
        production: true,
        verifier: {
          type: 'chain',
          verifiers: [
            { ...JWT, jwksUri: 'http://auth.example.com/jwks' },
            {
              type: 'introspection',
              introspectionUrl: 'http://auth.example.com/introspect',
              clientId: 'a',
              clientSecret: 'b',
            },
          ],
        },
      }),
    ).toEqual([
      'verifier.verifiers[0].jwksUri: must use https in production (got http://auth.example.com/jwks)',
      'verifier.verifiers[1].introspectionUrl: must use https in production (got http://auth.example.com/introspect)',
    ]);
  });

  it('reports a non-array authorizationServers in production instead of throwing', () => {
    expect(
      problemsOf({
        resourceUrl: 'https://mcp.example.com/mcp',
        verifier: JWT,
        production: true,
        authorizationServers: 'https://as.example',
      }),
    ).toEqual([expect.stringMatching(/^authorizationServers: /)]);
  });

  it('validates impliedScopes values', () => {
    expect(
      problemsOf({
        resourceUrl: 'https://mcp.example.com/mcp',
        verifier: JWT,
        impliedScopes: { 'mcp:admin': 'mcp:read' },
      }),
    ).toEqual(['impliedScopes["mcp:admin"]: must map a scope to an array of scopes']);
  });

  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])('verifier type %s is not a type', (type) => {
    const problems: string[] = [];
    validateVerifierOptions('verifier', { type } as never, { production: false }, problems);
    expect(problems).toEqual(['verifier.type: must be one of jwt, introspection, static, custom, chain']);
  });

  it.each(['toString', 'constructor'])('remote provider %s is not a provider', (provider) => {
    expect(problemsOf({ resourceUrl: 'https://mcp.example.com/mcp', remote: { provider } })).toEqual([
      'remote.provider: must be one of authkit, descope, scalekit, supabase, auth0, keycloak, generic',
    ]);
  });
});
