import type { ClientRegistrationOptions } from './client-registration.options.js';
import {
  resolveClientRegistrationOptions,
  validateClientRegistrationOptions,
} from './resolve-client-registration-options.js';

function problemsOf(options: unknown): string[] {
  const problems: string[] = [];
  validateClientRegistrationOptions('clientRegistration', options as ClientRegistrationOptions, problems);
  return problems;
}

describe('client registration options', () => {
  it('documents its defaults in one place', () => {
    const resolved = resolveClientRegistrationOptions(undefined, ['mcp:read']);
    expect(resolved).toEqual({
      enabled: true,
      rateLimit: { max: 30, windowSeconds: 60 },
      unusedClientTtlMs: 30 * 86_400_000,
      clientSecretTtlSeconds: 0,
      policy: {
        allowLocalhost: true,
        allowedRedirectUris: undefined,
        scopesSupported: ['mcp:read'],
        allowClientCredentials: false,
        allowPrivateKeyJwt: false,
      },
    });
  });

  it('applies every option', () => {
    const resolved = resolveClientRegistrationOptions({
      enabled: false,
      rateLimit: { max: 5 },
      unusedClientTtlDays: 7,
      allowedRedirectUris: ['https://claude.ai/api/mcp/auth_callback'],
      allowLocalhost: false,
      clientSecretTtlDays: 2,
      allowClientCredentials: true,
      allowPrivateKeyJwt: true,
    });
    expect(resolved).toMatchObject({
      enabled: false,
      rateLimit: { max: 5, windowSeconds: 60 },
      unusedClientTtlMs: 7 * 86_400_000,
      clientSecretTtlSeconds: 2 * 86_400,
      policy: { allowLocalhost: false, allowClientCredentials: true, allowPrivateKeyJwt: true },
    });
    expect(resolved.policy.allowedRedirectUris?.[0]?.test('https://claude.ai/api/mcp/auth_callback')).toBe(true);
    expect(resolveClientRegistrationOptions({ rateLimit: false }).rateLimit).toBe(false);
  });

  it('accepts valid options', () => {
    expect(
      problemsOf({
        enabled: true,
        rateLimit: { max: 10, windowSeconds: 3600 },
        allowedRedirectUris: ['http://127.0.0.1/**'],
      }),
    ).toEqual([]);
    expect(problemsOf({ rateLimit: false })).toEqual([]);
    expect(problemsOf(undefined)).toEqual([]);
  });

  it.each([
    [{ enabled: 'yes' }, 'clientRegistration.enabled: must be a boolean value'],
    [{ rateLimit: { max: 0 } }, 'clientRegistration.rateLimit.max: must not be less than 1'],
    [{ rateLimit: { window: 5 } }, 'clientRegistration.rateLimit.window: unknown option'],
    [{ unusedClientTtlDays: 0 }, 'clientRegistration.unusedClientTtlDays: must not be less than 1'],
    [
      { allowedRedirectUris: ['https://a.example/cb', 'javascript:/x'] },
      'clientRegistration.allowedRedirectUris[1]: must not use the javascript: scheme',
    ],
    [{ clientSecretTtlDays: -1 }, 'clientRegistration.clientSecretTtlDays: must not be less than 0'],
    [{ allowLocalhst: true }, 'clientRegistration.allowLocalhst: unknown option'],
    ['x', 'clientRegistration: must be an object'],
  ])('reports %j', (options, problem) => {
    expect(problemsOf(options)).toEqual([problem]);
  });
});
