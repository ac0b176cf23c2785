import type { McpAuthModuleOptions } from '../core/options/module-options.js';
import { mergeMcpAuthOptions } from './merge-options.js';

const merge = (code: Record<string, unknown>, env: Record<string, unknown>) =>
  mergeMcpAuthOptions(code as Partial<McpAuthModuleOptions>, env as Partial<McpAuthModuleOptions>);

const ENV_JWT = { type: 'jwt', issuer: 'https://env.example', jwksUri: 'https://env.example/jwks', audience: 'a' };

describe('mergeMcpAuthOptions', () => {
  it('keeps every value set in code and adds what only the environment sets, field by field', () => {
    expect(
      merge(
        { resourceUrl: 'https://code.example/mcp', verifier: { type: 'jwt', issuer: 'https://code.example' } },
        { resourceUrl: 'https://env.example/mcp', scopesSupported: ['a'], verifier: ENV_JWT },
      ),
    ).toEqual({
      resourceUrl: 'https://code.example/mcp',
      scopesSupported: ['a'],
      verifier: { ...ENV_JWT, issuer: 'https://code.example' },
    });
  });

  it('treats undefined in code as unset and false as a value', () => {
    expect(
      merge({ resourceUrl: undefined, production: false }, { resourceUrl: 'https://e/mcp', production: true }),
    ).toEqual({
      resourceUrl: 'https://e/mcp',
      production: false,
    });
  });

  it('never merges arrays, and never merges into false', () => {
    expect(merge({ scopesSupported: ['b'] }, { scopesSupported: ['a', 'c'] })).toEqual({ scopesSupported: ['b'] });
    expect(
      merge({ verifier: { ...ENV_JWT, cache: false } }, { verifier: { ...ENV_JWT, cache: { ttlSeconds: 5 } } }),
    ).toEqual({ verifier: { ...ENV_JWT, cache: false } });
  });

  it('keeps class instances from code whole (a Redis client, a custom store)', () => {
    class Client {
      options = { host: 'code' };
    }
    const client = new Client();
    const merged = merge({ storage: { type: 'redis', client } }, { storage: { type: 'redis', keyPrefix: 'x:' } });
    expect(merged.storage).toEqual({ type: 'redis', client, keyPrefix: 'x:' });
    expect((merged.storage as { client: unknown }).client).toBe(client);
  });

  it('does not merge sections of different kinds: the one in code wins whole', () => {
    expect(merge({ storage: { type: 'memory' } }, { storage: { type: 'redis', url: 'redis://x' } })).toEqual({
      storage: { type: 'memory' },
    });
    expect(
      merge({ verifier: { type: 'introspection', introspectionUrl: 'https://i' } }, { verifier: ENV_JWT }),
    ).toEqual({ verifier: { type: 'introspection', introspectionUrl: 'https://i' } });
  });

  it('lets code choose the auth level: the environment level is dropped unless it is the same', () => {
    const remote = { provider: 'authkit', domain: 'https://x.authkit.app' };
    expect(merge({ verifier: { type: 'custom' } }, { remote, scopesSupported: ['a'] })).toEqual({
      verifier: { type: 'custom' },
      scopesSupported: ['a'],
    });
    expect(merge({ remote: { provider: 'keycloak', realmUrl: 'https://k' } }, { remote, verifier: ENV_JWT })).toEqual({
      remote: { provider: 'keycloak', realmUrl: 'https://k' },
    });
    expect(merge({ remote: { provider: 'authkit', audience: 'x' } }, { remote })).toEqual({
      remote: { ...remote, audience: 'x' },
    });
  });

  it('compares nested discriminators (an upstream provider of the proxy level)', () => {
    const env = { proxy: { issuerUrl: 'https://e', upstream: { provider: 'github', clientId: 'gh' } } };
    expect(merge({ proxy: { upstream: { provider: 'google', clientId: 'g' } } }, env)).toEqual({
      proxy: { issuerUrl: 'https://e', upstream: { provider: 'google', clientId: 'g' } },
    });
    expect(merge({ proxy: { upstream: { clientSecret: 's' } } }, env)).toEqual({
      proxy: { issuerUrl: 'https://e', upstream: { provider: 'github', clientId: 'gh', clientSecret: 's' } },
    });
  });

  it('keeps the environment level when code sets none', () => {
    expect(merge({ scopesSupported: ['a'] }, { verifier: ENV_JWT })).toEqual({
      scopesSupported: ['a'],
      verifier: ENV_JWT,
    });
  });

  it('modifies neither input', () => {
    const code = { verifier: { type: 'jwt', issuer: 'c' } };
    const env = { verifier: { ...ENV_JWT } };
    merge(code, env);
    expect(code).toEqual({ verifier: { type: 'jwt', issuer: 'c' } });
    expect(env).toEqual({ verifier: ENV_JWT });
  });
});
